/** @module image/test/image-fixture: an image service on a throwaway SQLite, driven through HTTP */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { AuthIdentity, TokenValidator } from '../../core/auth/index.js'
import { systemClock } from '../../core/clock/index.js'
import { parseDatabaseUrl } from '../../core/db/index.js'
import { UnauthorizedError } from '../../core/errors/index.js'
import { createHttpServer, mountService } from '../../core/http/index.js'
import { randomIds } from '../../core/ids/index.js'
import { silentLogger } from '../../core/log/index.js'
import { defaultImageConfig, type ImageConfig } from '../config.js'
import { createImageUnit, type ImageUnit } from '../image-unit.js'
import type { ImageStore } from '../store/image-store.js'

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

/** A running image API with helpers for its common requests. */
export interface ImageFixture {
  app: FastifyInstance
  unit: ImageUnit
  dataDir: string
  request(caller: TestCaller | undefined, options: InjectOptions): Promise<LightMyRequestResponse>
  createImage(caller: TestCaller, body?: Json): Promise<Json>
  upload(caller: TestCaller, id: string, data: Buffer): Promise<number>
  close(): Promise<void>
}

/** Builds the image unit with a SQLite file and a file store in a temporary folder. */
export async function createImageFixture(
  options: {
    config?: Partial<ImageConfig>
    store?: ImageStore
    /** Reuse a data dir (a restart); the fixture then leaves it in place when it closes. */
    dataDir?: string
    /** A database URL instead of SQLite in the data dir; the caller drops what it creates. */
    databaseUrl?: string
  } = {},
): Promise<ImageFixture> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'nimbus-image-'))
  const logger = silentLogger()
  const unit = await createImageUnit({
    dataDir,
    database: parseDatabaseUrl(options.databaseUrl ?? 'sqlite://', dataDir),
    config: defaultImageConfig(options.config),
    logger,
    clock: systemClock,
    ids: randomIds,
    tokens: fakeTokens([admin, alice, bob]),
    ...(options.store ? { store: options.store } : {}),
  })
  const server = createHttpServer({ logger })
  for (const mount of unit.mounts) await mountService(server.app, mount)
  await server.app.ready()
  const app = server.app
  const request: ImageFixture['request'] = (caller, inject) =>
    app.inject({
      ...inject,
      headers: {
        accept: 'application/json',
        ...(caller ? { 'x-auth-token': caller.token } : {}),
        ...(inject.headers ?? {}),
      },
    })
  return {
    app,
    unit,
    dataDir,
    request,
    async createImage(caller, body = {}) {
      const response = await request(caller, {
        method: 'POST',
        url: '/image/v2/images',
        payload: { disk_format: 'raw', container_format: 'bare', ...body },
      })
      if (response.statusCode !== 201)
        throw new Error(`create: ${response.statusCode} ${response.body}`)
      return response.json<Json>()
    },
    async upload(caller, id, data) {
      const response = await request(caller, {
        method: 'PUT',
        url: `/image/v2/images/${id}/file`,
        headers: { 'content-type': 'application/octet-stream' },
        payload: data,
      })
      return response.statusCode
    },
    async close() {
      await app.close()
      await unit.close()
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
