/** @module identity/test/identity-sql.test: migrations and repos on SQLite, MariaDB and PostgreSQL */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../core/clock/index.js'
import {
  isUniqueViolation,
  migrateToLatest,
  openServiceDatabase,
  parseDatabaseUrl,
  serviceDatabaseName,
  type DatabaseLocation,
  type ServiceDatabase,
} from '../../core/db/index.js'
import { createHttpServer, mountService } from '../../core/http/index.js'
import { randomIds } from '../../core/ids/index.js'
import { silentLogger } from '../../core/log/index.js'
import { resolveConfig } from '../../core/config/index.js'
import { identityConfigFrom, identityConfigSpec } from '../config.js'
import { createIdentityUnit } from '../identity-unit.js'
import {
  createAppCredential,
  deleteAppCredential,
  getAppCredential,
} from '../db/app-credentials-repo.js'
import {
  createAssignment,
  deleteAssignment,
  hasAssignment,
  listAssignments,
  type Assignment,
} from '../db/assignments-repo.js'
import {
  createEndpoint,
  createRegion,
  createService,
  getEndpoint,
  listServices,
} from '../db/catalog-repo.js'
import { createCredential, getCredential } from '../db/credentials-repo.js'
import { addMember, createGroup, isMember, listGroupIdsOfUser } from '../db/groups-repo.js'
import { identityMigrations } from '../db/migrations/index.js'
import {
  createProject,
  deleteProject,
  findProjectByName,
  getProject,
  listProjects,
  listSubtreeIds,
  setProjectTags,
  updateProject,
  type Project,
} from '../db/projects-repo.js'
import { createRevocation, listRevocations, pruneRevocations } from '../db/revocations-repo.js'
import {
  createImpliedRule,
  createRole,
  deleteRole,
  findRoleByName,
  listImpliedRules,
} from '../db/roles-repo.js'
import type { IdentityDatabase } from '../db/schema.js'
import {
  addPassword,
  createUser,
  findUserByName,
  getUser,
  listPasswords,
  listUsers,
  prunePasswords,
  setAuthFailures,
  type User,
} from '../db/users-repo.js'

/** A database to run against, or why it cannot be reached. */
interface Target {
  dialect: string
  location?: DatabaseLocation
  /** Drops what the run created. */
  cleanup(): Promise<void>
  skipReason?: string
}

/** A base name of our own, so parallel runs and other services never share a database. */
const RUN = `nimbus_test_${randomBytes(4).toString('hex')}`

async function mysqlTarget(): Promise<Target> {
  const url = new URL(`mysql://root@127.0.0.1:3306/${RUN}`)
  const mysql = await import('mysql2/promise')
  const options = { host: url.hostname, port: Number(url.port), user: 'root', connectTimeout: 2000 }
  try {
    const probe = await mysql.createConnection(options)
    await probe.end()
  } catch (error) {
    return {
      dialect: 'mysql',
      skipReason: `MariaDB at ${url.host} is unreachable: ${String(error)}`,
      cleanup: async () => {},
    }
  }
  return {
    dialect: 'mysql',
    location: parseDatabaseUrl(url.href, ''),
    async cleanup() {
      const admin = await mysql.createConnection(options)
      await admin.query(`DROP DATABASE IF EXISTS \`${serviceDatabaseName(url, 'identity')}\``)
      await admin.end()
    },
  }
}

async function postgresTarget(): Promise<Target> {
  const url = new URL(`postgresql://postgres@127.0.0.1:5432/${RUN}`)
  const { default: pg } = await import('pg')
  const options = {
    host: url.hostname,
    port: Number(url.port),
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 2000,
  }
  try {
    const probe = new pg.Client(options)
    await probe.connect()
    await probe.end()
  } catch (error) {
    return {
      dialect: 'postgres',
      skipReason: `PostgreSQL at ${url.host} is unreachable: ${String(error)}`,
      cleanup: async () => {},
    }
  }
  return {
    dialect: 'postgres',
    location: parseDatabaseUrl(url.href, ''),
    async cleanup() {
      const admin = new pg.Client(options)
      await admin.connect()
      await admin.query(
        `DROP DATABASE IF EXISTS "${serviceDatabaseName(url, 'identity').toLowerCase()}"`,
      )
      await admin.end()
    },
  }
}

function sqliteTarget(): Target {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sql-'))
  return {
    dialect: 'sqlite',
    location: parseDatabaseUrl(`sqlite://${dir}`, dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }
}

const targets = [sqliteTarget(), await mysqlTarget(), await postgresTarget()]

function project(fields: Partial<Project> & Pick<Project, 'id' | 'name'>): Project {
  return {
    description: '',
    enabled: true,
    domainId: 'd1',
    parentId: 'd1',
    isDomain: false,
    extra: {},
    tags: [],
    ...fields,
  }
}

function user(fields: Partial<User> & Pick<User, 'id' | 'name'>): User {
  return {
    domainId: 'd1',
    enabled: true,
    defaultProjectId: null,
    extra: {},
    options: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    lastActiveAt: null,
    failedAuthCount: 0,
    failedAuthAt: null,
    ...fields,
  }
}

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

for (const target of targets) {
  const title = target.skipReason
    ? `identity SQL on ${target.dialect} (skipped: ${target.skipReason})`
    : `identity SQL on ${target.dialect}`

  describe.skipIf(target.skipReason !== undefined)(title, () => {
    let database: ServiceDatabase<IdentityDatabase>
    let db: Kysely<IdentityDatabase>

    beforeAll(async () => {
      database = await openServiceDatabase<IdentityDatabase>(
        target.location as DatabaseLocation,
        'identity',
      )
      db = database.db
    })

    afterAll(async () => {
      await database?.close()
      await target.cleanup()
    })

    it('applies the migrations once, then finds nothing left to do', async () => {
      expect(database.dialect).toBe(target.dialect)
      const applied = await migrateToLatest(db as never, identityMigrations)
      expect(applied).toEqual(Object.keys(identityMigrations))
      expect(applied.slice(0, 3)).toEqual([
        '0001-initial',
        '0002-mysql-medium-text',
        '0003-policy-blobs',
      ])
      expect(await migrateToLatest(db as never, identityMigrations)).toEqual([])
    })

    it('round-trips projects, domains, tags and the hierarchy', async () => {
      await createProject(
        db,
        project({ id: 'd1', name: 'Domain One', domainId: null, parentId: null, isDomain: true }),
        '2026-01-01T00:00:00.000Z',
      )
      await createProject(
        db,
        project({ id: 'p1', name: 'web', tags: ['b', 'a'], extra: { k: [1] } }),
        't',
      )
      await createProject(
        db,
        project({ id: 'p2', name: 'child', parentId: 'p1', enabled: false }),
        't',
      )
      await createProject(db, project({ id: 'p3', name: 'grandchild', parentId: 'p2' }), 't')

      expect(await getProject(db, 'p1')).toEqual(
        project({ id: 'p1', name: 'web', tags: ['a', 'b'], extra: { k: [1] } }),
      )
      expect((await getProject(db, 'd1'))?.isDomain).toBe(true)
      expect((await findProjectByName(db, 'Domain One', null))?.id).toBe('d1')
      expect((await findProjectByName(db, 'web', 'd1'))?.id).toBe('p1')
      expect(await findProjectByName(db, 'web', null)).toBeUndefined()
      const disabled = await listProjects(db, { isDomain: false, enabled: false })
      expect(disabled.map((p) => p.id)).toEqual(['p2'])
      const tagged = await listProjects(db, { tagsAll: ['a'] })
      expect(tagged.map((p) => p.id)).toEqual(['p1'])
      expect(await listSubtreeIds(db, 'p1')).toEqual(['p2', 'p3'])

      await updateProject(db, {
        ...(await getProject(db, 'p1'))!,
        description: 'ü ✓',
        enabled: false,
      })
      await setProjectTags(db, 'p1', ['z', 'z', 'y'])
      expect(await getProject(db, 'p1')).toMatchObject({
        description: 'ü ✓',
        enabled: false,
        tags: ['y', 'z'],
      })
      await deleteProject(db, 'p3')
      expect(await getProject(db, 'p3')).toBeUndefined()
    })

    it('stores any text a request body can carry', async () => {
      // The API accepts bodies up to 114688 bytes; MariaDB's TEXT holds 65535.
      const description = 'ä'.repeat(100_000)
      const extra = { notes: 'n'.repeat(100_000) }
      await createProject(db, project({ id: 'p-big', name: 'big', description, extra }), 't')
      expect(await getProject(db, 'p-big')).toMatchObject({ description, extra })
      const blob = 'b'.repeat(110_000)
      await createCredential(db, {
        id: 'c-big',
        userId: 'u0',
        projectId: null,
        type: 'cert',
        encryptedBlob: blob,
        extra: {},
      })
      expect((await getCredential(db, 'c-big'))?.encryptedBlob).toBe(blob)
      await deleteProject(db, 'p-big')
    })

    it('round-trips users and detects a duplicate name as a unique violation', async () => {
      const alice = user({
        id: 'u1',
        name: 'alice',
        options: { lock_password: true },
        extra: { email: 'a@x' },
      })
      await createUser(db, alice)
      expect(await getUser(db, 'u1')).toEqual(alice)
      expect((await findUserByName(db, 'alice', 'd1'))?.id).toBe('u1')
      expect(await findUserByName(db, 'Alice', 'd1')).toBeUndefined()
      const error = await rejection(createUser(db, user({ id: 'u2', name: 'alice' })))
      expect(isUniqueViolation(error)).toBe(true)
      const again = await rejection(createUser(db, user({ id: 'u1', name: 'other' })))
      expect(isUniqueViolation(again)).toBe(true)
      await setAuthFailures(db, 'u1', 3, '2026-01-01T00:00:05.000Z')
      expect(await getUser(db, 'u1')).toMatchObject({
        failedAuthCount: 3,
        failedAuthAt: '2026-01-01T00:00:05.000Z',
      })
    })

    it('filters names by substring the same way on every dialect', async () => {
      await createUser(db, user({ id: 'u3', name: 'ALFRED' }))
      await createUser(db, user({ id: 'u4', name: 'under_score' }))
      const names = async (filter: Parameters<typeof listUsers>[1]) =>
        (await listUsers(db, { domainId: 'd1', ...filter })).map((u) => u.name).sort()
      expect(await names({ nameContains: 'al' })).toEqual(['alice'])
      expect(await names({ nameIcontains: 'al' })).toEqual(['ALFRED', 'alice'])
      expect(await names({ nameContains: '_' })).toEqual(['under_score'])
      expect(await names({ nameContains: '%' })).toEqual([])
      const projects = await listProjects(db, { nameIcontains: 'WE' })
      expect(projects.map((p) => p.id)).toEqual(['p1'])
    })

    it('keeps password history newest first and prunes the oldest', async () => {
      for (const [i, at] of ['00', '01', '02'].entries()) {
        await addPassword(db, 'u1', {
          id: `pw${i}`,
          hash: `scrypt$hash${i}`,
          createdAt: `2026-01-01T00:00:${at}.000Z`,
          expiresAt: i === 2 ? '2026-02-01T00:00:00.000Z' : null,
          selfService: i === 1,
        })
      }
      const history = await listPasswords(db, 'u1')
      expect(history.map((p) => p.id)).toEqual(['pw2', 'pw1', 'pw0'])
      expect(history[1]?.selfService).toBe(true)
      expect(history[0]?.expiresAt).toBe('2026-02-01T00:00:00.000Z')
      await prunePasswords(db, 'u1', 2)
      expect((await listPasswords(db, 'u1')).map((p) => p.id)).toEqual(['pw2', 'pw1'])
    })

    it('round-trips groups, membership, roles, implied rules and assignments', async () => {
      await createGroup(db, { id: 'g1', domainId: 'd1', name: 'ops', description: '', extra: {} })
      await addMember(db, 'g1', 'u1')
      await addMember(db, 'g1', 'u1')
      expect(await isMember(db, 'g1', 'u1')).toBe(true)
      expect(await listGroupIdsOfUser(db, 'u1')).toEqual(['g1'])

      for (const [id, name, domainId] of [
        ['r1', 'member', null],
        ['r2', 'reader', null],
        ['r3', 'member', 'd1'],
      ] as const) {
        await createRole(db, { id, name, domainId, description: '', options: {}, extra: {} })
      }
      expect((await findRoleByName(db, 'member', null))?.id).toBe('r1')
      expect((await findRoleByName(db, 'member', 'd1'))?.id).toBe('r3')
      const dup = await rejection(
        createRole(db, {
          id: 'r4',
          name: 'member',
          domainId: null,
          description: '',
          options: {},
          extra: {},
        }),
      )
      expect(isUniqueViolation(dup)).toBe(true)
      await createImpliedRule(db, { priorRoleId: 'r1', impliedRoleId: 'r2' })
      expect(await listImpliedRules(db, 'r1')).toEqual([{ priorRoleId: 'r1', impliedRoleId: 'r2' }])

      const direct: Assignment = {
        type: 'UserProject',
        actorId: 'u1',
        targetId: 'p1',
        roleId: 'r1',
        inherited: false,
      }
      const inherited: Assignment = { ...direct, roleId: 'r2', inherited: true }
      await createAssignment(db, direct)
      await createAssignment(db, direct)
      await createAssignment(db, inherited)
      await createAssignment(db, {
        type: 'GroupProject',
        actorId: 'g1',
        targetId: 'p2',
        roleId: 'r2',
        inherited: false,
      })
      expect(await hasAssignment(db, direct)).toBe(true)
      expect(await listAssignments(db, { actorIds: ['u1'], inherited: true })).toEqual([inherited])
      expect(await listAssignments(db, { types: ['GroupProject'] })).toHaveLength(1)
      expect(await listAssignments(db, { actorIds: [] })).toEqual([])
      expect(await deleteAssignment(db, direct)).toBe(true)
      expect(await deleteAssignment(db, direct)).toBe(false)

      await deleteRole(db, 'r2')
      expect(await listImpliedRules(db)).toEqual([])
      expect(await listAssignments(db, { roleIds: ['r2'] })).toEqual([])
    })

    it('round-trips application credentials with their roles', async () => {
      const credential = {
        id: 'ac1',
        name: 'ci',
        secretHash: 'scrypt$x',
        description: null,
        userId: 'u1',
        projectId: 'p1',
        expiresAt: '2026-06-01T00:00:00.000000',
        unrestricted: false,
        createdAt: '2026-01-01T00:00:00.000Z',
        roleIds: ['r1', 'r3'],
      }
      await createAppCredential(db, credential)
      const back = await getAppCredential(db, 'ac1')
      expect({ ...back, roleIds: back?.roleIds.sort() }).toEqual(credential)
      const dup = await rejection(
        createAppCredential(db, { ...credential, id: 'ac2', roleIds: [] }),
      )
      expect(isUniqueViolation(dup)).toBe(true)
      await deleteAppCredential(db, 'ac1')
      expect(await getAppCredential(db, 'ac1')).toBeUndefined()
    })

    it('round-trips the catalog, stored credentials and revocation events', async () => {
      await createRegion(db, { id: 'RegionOne', description: '', parentRegionId: null, extra: {} })
      await createService(db, { id: 's1', type: 'compute', enabled: true, extra: { name: 'nova' } })
      await createEndpoint(db, {
        id: 'e1',
        serviceId: 's1',
        interface: 'public',
        url: 'http://nova.example:8774/v2.1/$(project_id)s',
        regionId: 'RegionOne',
        enabled: false,
        extra: {},
      })
      expect(await listServices(db, { type: 'compute' })).toEqual([
        { id: 's1', type: 'compute', enabled: true, extra: { name: 'nova' } },
      ])
      expect(await getEndpoint(db, 'e1')).toMatchObject({ enabled: false, regionId: 'RegionOne' })

      const blob = 'x'.repeat(5000)
      await createCredential(db, {
        id: 'c1',
        userId: 'u1',
        projectId: null,
        type: 'cert',
        encryptedBlob: blob,
        extra: {},
      })
      expect((await getCredential(db, 'c1'))?.encryptedBlob).toBe(blob)

      for (const [id, at] of [
        ['ev1', '2026-01-01T00:00:00.000Z'],
        ['ev2', '2026-01-01T02:00:00.000Z'],
      ]) {
        await createRevocation(db, {
          id: id as string,
          userId: 'u1',
          projectId: null,
          domainId: null,
          roleId: null,
          auditId: 'audit-id-of-22-chars__',
          auditChainId: null,
          issuedBefore: at as string,
          revokedAt: at as string,
        })
      }
      expect((await listRevocations(db)).map((e) => e.id)).toEqual(['ev1', 'ev2'])
      await pruneRevocations(db, '2026-01-01T01:00:00.000Z')
      expect((await listRevocations(db)).map((e) => e.id)).toEqual(['ev2'])
    })

    it('runs the whole identity service: bootstrap, a token and its validation', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-sql-unit-'))
      const unit = await createIdentityUnit({
        dataDir,
        database: target.location as DatabaseLocation,
        config: identityConfigFrom({
          ...resolveConfig(identityConfigSpec, {}),
          'identity.password_hash_cost': 10,
        }),
        region: 'RegionOne',
        adminPassword: 'sql-secret',
        logger: silentLogger(),
        clock: manualClock(),
        ids: randomIds,
      })
      const server = createHttpServer({ logger: silentLogger() })
      try {
        for (const mount of unit.mounts) await mountService(server.app, mount)
        const issued = await server.app.inject({
          method: 'POST',
          url: '/v3/auth/tokens',
          payload: {
            auth: {
              identity: {
                methods: ['password'],
                password: {
                  user: { name: 'admin', domain: { id: 'default' }, password: 'sql-secret' },
                },
              },
              scope: { project: { name: 'admin', domain: { id: 'default' } } },
            },
          },
        })
        expect(issued.statusCode).toBe(201)
        const token = String(issued.headers['x-subject-token'])
        const users = await server.app.inject({
          method: 'GET',
          url: '/v3/users',
          headers: { 'x-auth-token': token },
        })
        expect(users.statusCode).toBe(200)
        expect(users.json().users.map((u: { name: string }) => u.name)).toContain('admin')
        const validated = await server.app.inject({
          method: 'GET',
          url: '/v3/auth/tokens',
          headers: { 'x-auth-token': token, 'x-subject-token': token },
        })
        expect(validated.statusCode).toBe(200)
        expect(validated.json()).toEqual(issued.json())
      } finally {
        await server.app.close()
        await unit.close()
        rmSync(dataDir, { recursive: true, force: true })
      }
    })
  })
}
