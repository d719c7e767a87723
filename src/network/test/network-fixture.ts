/** @module network/test/network-fixture: a network server on a throwaway database, driven through HTTP */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { AuthIdentity, TokenValidator } from '../../core/auth/index.js'
import { resolveConfig } from '../../core/config/index.js'
import { systemClock } from '../../core/clock/index.js'
import { parseDatabaseUrl } from '../../core/db/index.js'
import { UnauthorizedError } from '../../core/errors/index.js'
import { createHttpServer, mountService } from '../../core/http/index.js'
import { randomIds } from '../../core/ids/index.js'
import { silentLogger } from '../../core/log/index.js'
import { networkConfigFrom, networkConfigSpec, type NetworkConfig } from '../config.js'
import { createNetworkUnit, type NetworkUnit } from '../network-unit.js'

export type Json = Record<string, unknown>

/** A caller the fake token validator knows, by its token. */
export interface TestCaller {
  token: string
  projectId: string
  roles: string[]
}

export const admin: TestCaller = {
  token: 'admin-token',
  projectId: 'p-admin',
  roles: ['admin', 'member'],
}
export const alice: TestCaller = { token: 'alice-token', projectId: 'p-alice', roles: ['member'] }
export const bob: TestCaller = { token: 'bob-token', projectId: 'p-bob', roles: ['member'] }

function identityOf(caller: TestCaller): AuthIdentity {
  return {
    userId: `u-${caller.projectId}`,
    userName: caller.projectId,
    userDomainId: 'default',
    userDomainName: 'Default',
    projectId: caller.projectId,
    projectName: caller.projectId,
    projectDomainId: 'default',
    projectDomainName: 'Default',
    roles: caller.roles,
    roleIds: caller.roles,
    auditIds: ['a'],
    expiresAt: '2999-01-01T00:00:00Z',
    issuedAt: '2026-01-01T00:00:00Z',
    methods: ['password'],
  }
}

function fakeTokens(callers: readonly TestCaller[]): TokenValidator {
  return {
    async validate(token) {
      const caller = callers.find((c) => c.token === token)
      if (!caller) throw new UnauthorizedError()
      return identityOf(caller)
    },
  }
}

/** The network config with defaults and the given overrides. */
export function testNetworkConfig(overrides: Partial<NetworkConfig> = {}): NetworkConfig {
  return { ...networkConfigFrom(resolveConfig(networkConfigSpec, {})), ...overrides }
}

/** A running network API with helpers. */
export interface NetworkFixture {
  app: FastifyInstance
  unit: NetworkUnit
  request(caller: TestCaller | undefined, options: InjectOptions): Promise<LightMyRequestResponse>
  /** POSTs `{key: body}` to `/v2.0/<path>` and returns the created object (asserting 201). */
  create(caller: TestCaller, path: string, key: string, body: Json): Promise<Json>
  close(): Promise<void>
}

/** Builds the network unit on `database` (default: in-memory SQLite). */
export async function createNetworkFixture(
  options: { database?: string; config?: Partial<NetworkConfig> } = {},
): Promise<NetworkFixture> {
  const logger = silentLogger()
  const unit = await createNetworkUnit({
    database: parseDatabaseUrl(options.database ?? 'sqlite::memory:', '/tmp'),
    config: testNetworkConfig(options.config),
    logger,
    clock: systemClock,
    ids: randomIds,
    tokens: fakeTokens([admin, alice, bob]),
    adminProjectId: admin.projectId,
  })
  const server = createHttpServer({ logger })
  for (const mount of unit.mounts) await mountService(server.app, mount)
  await server.app.ready()
  const request: NetworkFixture['request'] = (caller, opts) =>
    server.app.inject({
      ...opts,
      url: `/networking${String(opts.url)}`,
      headers: { ...(caller ? { 'x-auth-token': caller.token } : {}), ...(opts.headers ?? {}) },
    })
  return {
    app: server.app,
    unit,
    request,
    async create(caller, path, key, body) {
      const res = await request(caller, {
        method: 'POST',
        url: `/v2.0/${path}`,
        payload: { [key]: body },
      })
      if (res.statusCode !== 201)
        throw new Error(`POST ${path} answered ${res.statusCode}: ${res.body}`)
      return (res.json() as Json)[key] as Json
    },
    async close() {
      await server.app.close()
      await unit.close()
    },
  }
}

/** The Neutron fault type of a response. */
export function faultType(res: LightMyRequestResponse): string {
  return ((res.json() as { NeutronError?: { type?: string } }).NeutronError?.type ?? '') as string
}
