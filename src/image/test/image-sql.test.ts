/** @module image/test/image-sql.test: image repos and API on SQLite, MariaDB and PostgreSQL */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  migrateToLatest,
  openServiceDatabase,
  parseDatabaseUrl,
  serviceDatabaseName,
  type ServiceDatabase,
} from '../../core/db/index.js'
import { recordDefaultImage, registeredDefaultImages } from '../db/default-images-repo.js'
import {
  createImage,
  getImage,
  imagesInStatus,
  listImages,
  markImageDeleted,
  projectUsage,
  setImageTags,
  updateImage,
  type Image,
} from '../db/images-repo.js'
import {
  countMembers,
  createMember,
  deleteMember,
  listMembers,
  updateMemberStatus,
} from '../db/members-repo.js'
import { imageMigrations } from '../db/migrations/index.js'
import type { ImageDatabase } from '../db/schema.js'
import { alice, bob, createImageFixture, type ImageFixture, type Json } from './image-fixture.js'

/** A server to run against, or why it cannot be reached. */
interface Target {
  dialect: string
  /** A database URL whose base name is this run's own; each use adds a suffix. */
  url?: (suffix: string) => string
  /** Drops every database this run created. */
  cleanup(): Promise<void>
  skipReason?: string
}

const RUN = `nimbus_imgtest_${randomBytes(4).toString('hex')}`
const used: string[] = []

function named(base: string) {
  return (suffix: string) => {
    used.push(`${RUN}_${suffix}`)
    return `${base}/${RUN}_${suffix}`
  }
}

async function mysqlTarget(): Promise<Target> {
  const mysql = await import('mysql2/promise')
  const options = { host: '127.0.0.1', port: 3306, user: 'root', connectTimeout: 2000 }
  try {
    await (await mysql.createConnection(options)).end()
  } catch (error) {
    const skipReason = `MariaDB at 127.0.0.1:3306 is unreachable: ${String(error)}`
    return { dialect: 'mysql', skipReason, cleanup: async () => {} }
  }
  return {
    dialect: 'mysql',
    url: named('mysql://root@127.0.0.1:3306'),
    async cleanup() {
      const admin = await mysql.createConnection(options)
      for (const base of used) {
        const name = serviceDatabaseName(new URL(`mysql://h/${base}`), 'image')
        await admin.query(`DROP DATABASE IF EXISTS \`${name}\``)
      }
      await admin.end()
    },
  }
}

async function postgresTarget(): Promise<Target> {
  const { default: pg } = await import('pg')
  const options = {
    host: '127.0.0.1',
    port: 5432,
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 2000,
  }
  try {
    const probe = new pg.Client(options)
    await probe.connect()
    await probe.end()
  } catch (error) {
    const skipReason = `PostgreSQL at 127.0.0.1:5432 is unreachable: ${String(error)}`
    return { dialect: 'postgres', skipReason, cleanup: async () => {} }
  }
  return {
    dialect: 'postgres',
    url: named('postgresql://postgres@127.0.0.1:5432'),
    async cleanup() {
      const admin = new pg.Client(options)
      await admin.connect()
      for (const base of used) {
        const name = serviceDatabaseName(new URL(`postgresql://h/${base}`), 'image')
        await admin.query(`DROP DATABASE IF EXISTS "${name.toLowerCase()}"`)
      }
      await admin.end()
    },
  }
}

function sqliteTarget(): Target {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-image-sql-'))
  return {
    dialect: 'sqlite',
    url: (suffix) => `sqlite://${join(dir, suffix)}`,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }
}

const targets = [sqliteTarget(), await mysqlTarget(), await postgresTarget()]

const GIB = 1024 ** 3

function image(fields: Partial<Image> & Pick<Image, 'id'>): Image {
  return {
    name: null,
    status: 'queued',
    visibility: 'private',
    size: null,
    virtualSize: null,
    checksum: null,
    osHashAlgo: null,
    osHashValue: null,
    diskFormat: 'raw',
    containerFormat: 'bare',
    minDisk: 0,
    minRam: 0,
    protected: false,
    osHidden: false,
    owner: 'p1',
    properties: {},
    tags: [],
    store: null,
    location: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...fields,
  }
}

for (const target of targets) {
  const title = target.skipReason
    ? `${target.dialect} (skipped: ${target.skipReason})`
    : `image on ${target.dialect}`
  describe.skipIf(target.skipReason !== undefined)(title, () => {
    const url = (suffix: string) => target.url?.(suffix) ?? ''

    afterAll(async () => {
      await target.cleanup()
    })

    describe('repos', () => {
      let database: ServiceDatabase<ImageDatabase>
      let db: Kysely<ImageDatabase>

      beforeAll(async () => {
        database = await openServiceDatabase<ImageDatabase>(
          parseDatabaseUrl(url('repos'), ''),
          'image',
        )
        db = database.db
        await migrateToLatest(db as never, imageMigrations)
        await migrateToLatest(db as never, imageMigrations)
      })

      afterAll(async () => {
        await database.close()
      })

      it('keeps sizes beyond 32 bits and sums them per project', async () => {
        await createImage(db, image({ id: 'big-1', size: 5 * GIB, status: 'active' }))
        await createImage(db, image({ id: 'big-2', size: 3 * GIB, status: 'saving' }))
        await createImage(db, image({ id: 'other', size: 7, owner: 'p2' }))
        expect((await getImage(db, 'big-1'))?.size).toBe(5 * GIB)
        expect(await projectUsage(db, 'p1')).toEqual({ count: 2, bytes: 8 * GIB, uploading: 1 })
        expect(await projectUsage(db, 'nobody')).toEqual({ count: 0, bytes: 0, uploading: 0 })
      })

      it('filters by size range, time comparison, tags and case-sensitive names', async () => {
        await createImage(db, image({ id: 'f-1', name: 'Cirros', size: 100, owner: 'pf' }))
        await createImage(
          db,
          image({
            id: 'f-2',
            name: 'cirros',
            size: 2 * GIB,
            owner: 'pf',
            createdAt: '2026-02-01T00:00:00.000Z',
          }),
        )
        await setImageTags(db, 'f-1', ['Tag', 'tag', 'tag'])
        const ids = async (q: Parameters<typeof listImages>[1]) =>
          (await listImages(db, q)).map((i) => i.id).sort()
        const access = { kind: 'project', projectId: 'pf', visibility: undefined } as const
        const mine = { ...access, memberStatus: 'accepted' }
        expect(await ids({ access: mine, names: ['cirros'] })).toEqual(['f-2'])
        expect(await ids({ access: mine, sizeMin: GIB })).toEqual(['f-2'])
        expect(await ids({ access: mine, sizeMax: GIB })).toEqual(['f-1'])
        expect(
          await ids({ access: mine, createdAt: [{ op: '>', value: '2026-01-15T00:00:00Z' }] }),
        ).toEqual(['f-2'])
        expect(await ids({ access: mine, tags: ['tag'] })).toEqual(['f-1'])
        expect((await getImage(db, 'f-1'))?.tags.sort()).toEqual(['Tag', 'tag'])
      })

      it('updates compare-and-swap, also when nothing changes, and soft-deletes', async () => {
        await createImage(db, image({ id: 'cas' }))
        expect(await updateImage(db, 'cas', { status: 'saving' }, { expectStatus: ['x'] })).toBe(
          false,
        )
        expect(
          await updateImage(db, 'cas', { status: 'queued' }, { expectStatus: ['queued'] }),
        ).toBe(true)
        expect((await imagesInStatus(db, ['queued'])).map((i) => i.id)).toContain('cas')
        expect(await markImageDeleted(db, 'cas', '2026-03-01T00:00:00.000Z')).toBe(true)
        expect(await getImage(db, 'cas')).toBeUndefined()
        expect(await getImage(db, 'cas', { includeDeleted: true })).toMatchObject({
          status: 'deleted',
        })
      })

      it('keeps members and default-image records', async () => {
        await createImage(db, image({ id: 'm', visibility: 'shared' }))
        const at = '2026-01-01T00:00:00.000Z'
        const member = { imageId: 'm', status: 'pending', createdAt: at, updatedAt: at }
        await createMember(db, { ...member, memberId: 'P-1' })
        await createMember(db, { ...member, memberId: 'p-1' })
        expect(await countMembers(db, 'm')).toBe(2)
        const change = { status: 'accepted', updatedAt: at }
        expect(await updateMemberStatus(db, 'm', 'p-1', change)).toBe(true)
        expect(await updateMemberStatus(db, 'm', 'p-1', change)).toBe(true)
        expect((await listMembers(db, 'm')).map((x) => [x.memberId, x.status]).sort()).toEqual([
          ['P-1', 'pending'],
          ['p-1', 'accepted'],
        ])
        expect(await deleteMember(db, 'm', 'P-1')).toBe(true)
        await recordDefaultImage(db, 'cirros.qcow2', 'm')
        expect(await registeredDefaultImages(db)).toEqual(new Map([['cirros.qcow2', 'm']]))
      })
    })

    describe('API', () => {
      let dataDir: string
      let fx: ImageFixture

      beforeAll(async () => {
        dataDir = mkdtempSync(join(tmpdir(), 'nimbus-image-sql-api-'))
        fx = await createImageFixture({ dataDir, databaseUrl: url('api') })
      })

      afterAll(async () => {
        await fx?.close()
        rmSync(dataDir, { recursive: true, force: true })
      })

      it('stores and lists an image whose properties fill the largest request body', async () => {
        const value = 'v'.repeat(60_000)
        const created = await fx.createImage(alice, {
          name: 'big-properties',
          first: value,
          second: value.slice(0, 40_000),
        })
        const shown = await fx.request(alice, {
          method: 'GET',
          url: `/image/v2/images/${String(created['id'])}`,
        })
        expect(shown.statusCode).toBe(200)
        expect(shown.json<Json>()['first']).toBe(value)
      })

      it('uploads, lists by checksum, shares and downloads', async () => {
        const created = await fx.createImage(alice, { name: 'data', tags: ['x'] })
        const id = String(created['id'])
        const data = randomBytes(300_000)
        expect(await fx.upload(alice, id, data)).toBe(204)
        const md5 = createHash('md5').update(data).digest('hex')
        const listed = await fx.request(alice, {
          method: 'GET',
          url: `/image/v2/images?checksum=${md5}&tag=x&size_min=1`,
        })
        expect(listed.json<{ images: Json[] }>().images.map((i) => i['id'])).toEqual([id])
        await fx.request(alice, {
          method: 'PATCH',
          url: `/image/v2/images/${id}`,
          headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
          payload: [{ op: 'replace', path: '/visibility', value: 'shared' }],
        })
        const added = await fx.request(alice, {
          method: 'POST',
          url: `/image/v2/images/${id}/members`,
          payload: { member: bob.projectId },
        })
        expect(added.statusCode).toBe(200)
        const download = await fx.request(bob, {
          method: 'GET',
          url: `/image/v2/images/${id}/file`,
        })
        expect(download.statusCode).toBe(200)
        expect(download.rawPayload.equals(data)).toBe(true)
      })

      it('repairs an interrupted upload at the next start', async () => {
        const id = String((await fx.createImage(alice))['id'])
        await updateImage(fx.unit.ctx.db, id, { status: 'saving' })
        await fx.close()
        fx = await createImageFixture({ dataDir, databaseUrl: url('api') })
        expect(await getImage(fx.unit.ctx.db, id)).toMatchObject({ status: 'queued' })
        expect(await fx.upload(alice, id, randomBytes(10))).toBe(204)
      })
    })
  })
}
