/** @module identity/test/identity-fixture: an identity service on a throwaway SQLite, driven through HTTP */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { manualClock } from '../../core/clock/index.js'
import { resolveConfig } from '../../core/config/index.js'
import { parseDatabaseUrl } from '../../core/db/index.js'
import { createHttpServer, mountService } from '../../core/http/index.js'
import { randomIds } from '../../core/ids/index.js'
import { silentLogger } from '../../core/log/index.js'
import { identityConfigFrom, identityConfigSpec, type IdentityConfig } from '../config.js'
import { createIdentityUnit, type IdentityUnit } from '../identity-unit.js'

/** A clock the tests move by hand. */
export type ManualClock = ReturnType<typeof manualClock>

/**
 * A parsed JSON response body. Tests read it freely: a wrong shape fails the assertion that
 * reads it, which is what a stricter type would have caught.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

/** What a test sends. `body` is sent as JSON; `payload` is sent as is (for malformed input). */
export interface CallOptions {
  token?: string
  body?: unknown
  payload?: string | Buffer
  headers?: Record<string, string>
}

/** What a test gets back. `body` is the parsed JSON, or undefined when there was none. */
export interface ApiResponse {
  status: number
  headers: Record<string, string | string[] | number | undefined>
  body: Json
  text: string
}

/** A user reference as token requests give it. */
export interface UserRef {
  id?: string
  name?: string
  domain?: { id?: string; name?: string }
}

export interface IdentityFixtureOptions {
  /** Settings over the spec defaults; the password hash cost is 10 unless given. */
  config?: Partial<IdentityConfig>
  policyOverrides?: Record<string, string>
}

/** A user made by {@link IdentityFixture.createMember}, with its project and a token on it. */
export interface Member {
  user: Json
  project: Json
  password: string
  token: string
}

export interface IdentityFixture {
  app: FastifyInstance
  unit: IdentityUnit
  clock: ManualClock
  dataDir: string
  adminPassword: string
  /** A token of the bootstrap admin, scoped to the admin project. */
  adminToken: string
  call(method: string, url: string, options?: CallOptions): Promise<ApiResponse>
  /** `POST /v3/auth/tokens` with a password; returns the response and its X-Subject-Token. */
  login(user: UserRef, password: string, scope?: unknown): Promise<ApiResponse & { token: string }>
  /** Like `login`, but fails the test unless a token was issued. */
  token(user: UserRef, password: string, scope?: unknown): Promise<string>
  /** Creates a user in the default domain (as admin); returns its view. */
  createUser(name: string, fields?: Record<string, unknown>): Promise<Json>
  /** Creates a project in the default domain (as admin); returns its view. */
  createProject(name: string, fields?: Record<string, unknown>): Promise<Json>
  /** The id of a global role. */
  roleId(name: string): Promise<string>
  /** Grants a global role to a user on a project. */
  grantOnProject(projectId: string, userId: string, roleName: string): Promise<void>
  /** A new user with `role` (default `member`) on a new project, and a token on it. */
  createMember(name: string, role?: string): Promise<Member>
  /**
   * Moves time on (1 s by default). Revocation events cover tokens issued up to and including
   * their instant, so a test issuing a token right after a revocation moves time on first.
   */
  tick(ms?: number): void
  close(): Promise<void>
}

/** The body of a password token request for a user (by name in the default domain, or by id). */
export function passwordAuth(user: UserRef, password: string, scope?: unknown): Json {
  const ref = user.id || user.domain ? user : { ...user, domain: { id: 'default' } }
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { ...ref, password } } },
      ...(scope !== undefined ? { scope } : {}),
    },
  }
}

/** A project scope by id. */
export function projectScope(id: string): Json {
  return { project: { id } }
}

function parse(text: string): Json {
  if (text === '') return undefined
  try {
    return JSON.parse(text) as Json
  } catch {
    return undefined
  }
}

/** Starts an identity service on a fresh data dir and SQLite database, on a manual clock. */
export async function createIdentityFixture(
  options: IdentityFixtureOptions = {},
): Promise<IdentityFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-identity-'))
  const clock = manualClock()
  const defaults = identityConfigFrom({
    ...resolveConfig(identityConfigSpec, {}),
    'identity.password_hash_cost': 10,
  })
  const config = Object.freeze({ ...defaults, ...options.config })
  const adminPassword = 'admin-secret'
  const unit = await createIdentityUnit({
    dataDir,
    database: parseDatabaseUrl(`sqlite://${dataDir}`, dataDir),
    config,
    region: 'RegionOne',
    adminPassword,
    logger: silentLogger(),
    clock,
    ids: randomIds,
    ...(options.policyOverrides ? { policyOverrides: options.policyOverrides } : {}),
  })
  const server = createHttpServer({ logger: silentLogger() })
  for (const mount of unit.mounts) await mountService(server.app, mount)
  await server.app.ready()
  const app = server.app

  async function call(
    method: string,
    url: string,
    { token, body, payload, headers = {} }: CallOptions = {},
  ): Promise<ApiResponse> {
    const response = await app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(token !== undefined ? { 'x-auth-token': token } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      ...(payload !== undefined ? { payload } : {}),
    })
    return {
      status: response.statusCode,
      headers: response.headers,
      body: parse(response.body),
      text: response.body,
    }
  }

  async function login(user: UserRef, password: string, scope?: unknown) {
    const response = await call('POST', '/v3/auth/tokens', {
      body: passwordAuth(user, password, scope),
    })
    return { ...response, token: String(response.headers['x-subject-token'] ?? '') }
  }

  async function token(user: UserRef, password: string, scope?: unknown): Promise<string> {
    const response = await login(user, password, scope)
    if (response.status !== 201)
      throw new Error(
        `login of ${JSON.stringify(user)} failed: ${response.status} ${response.text}`,
      )
    return response.token
  }

  const adminToken = await token({ name: 'admin' }, adminPassword, {
    project: { name: 'admin', domain: { id: 'default' } },
  })

  async function expectCreated(response: ApiResponse, what: string): Promise<Json> {
    if (response.status !== 201) throw new Error(`${what}: ${response.status} ${response.text}`)
    return response.body
  }

  const fixture: IdentityFixture = {
    app,
    unit,
    clock,
    dataDir,
    adminPassword,
    adminToken,
    call,
    login,
    token,
    async createUser(name, fields = {}) {
      const body = { user: { name, domain_id: 'default', ...fields } }
      const created = await expectCreated(
        await call('POST', '/v3/users', { token: adminToken, body }),
        `create user ${name}`,
      )
      return created.user
    },
    async createProject(name, fields = {}) {
      const body = { project: { name, domain_id: 'default', ...fields } }
      const created = await expectCreated(
        await call('POST', '/v3/projects', { token: adminToken, body }),
        `create project ${name}`,
      )
      return created.project
    },
    async roleId(name) {
      const response = await call('GET', `/v3/roles?name=${encodeURIComponent(name)}`, {
        token: adminToken,
      })
      const role = (response.body?.roles ?? [])[0]
      if (!role) throw new Error(`no role ${name}`)
      return role.id as string
    },
    async grantOnProject(projectId, userId, roleName) {
      const roleId = await fixture.roleId(roleName)
      const response = await call(
        'PUT',
        `/v3/projects/${projectId}/users/${userId}/roles/${roleId}`,
        { token: adminToken },
      )
      if (response.status !== 204) throw new Error(`grant: ${response.status} ${response.text}`)
    },
    async createMember(name, role = 'member') {
      const password = `${name}-password`
      const project = await fixture.createProject(`${name}-project`)
      const user = await fixture.createUser(name, { password })
      await fixture.grantOnProject(project.id, user.id, role)
      return {
        user,
        project,
        password,
        token: await token({ id: user.id }, password, projectScope(project.id)),
      }
    },
    tick(ms = 1000) {
      clock.advance(ms)
    },
    async close() {
      await app.close()
      await unit.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return fixture
}
