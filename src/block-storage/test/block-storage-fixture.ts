/** @module block-storage/test/block-storage-fixture: block storage and image services in one process, driven through HTTP */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { injectDispatcher } from '../../clients/http-dispatcher.js'
import { staticTokenSource } from '../../clients/service-token.js'
import type { AuthIdentity, TokenValidator } from '../../core/auth/index.js'
import { createMemoryBus } from '../../core/bus/index.js'
import { systemClock } from '../../core/clock/index.js'
import { parseDatabaseUrl } from '../../core/db/index.js'
import { UnauthorizedError } from '../../core/errors/index.js'
import { createHttpServer, mountService } from '../../core/http/index.js'
import { randomIds } from '../../core/ids/index.js'
import { silentLogger } from '../../core/log/index.js'
/* eslint-disable no-restricted-imports -- this fixture is a composition root (as deploy/ is): it
   runs the image service beside block storage so image copies go through its real API. */
import { defaultImageConfig } from '../../image/config.js'
import { createImageUnit } from '../../image/image-unit.js'
/* eslint-enable no-restricted-imports */
import { createBlockStorageUnit, type BlockStorageUnit } from '../block-storage-unit.js'
import { defaultBlockStorageConfig, type BlockStorageConfig } from '../config.js'
import type { VolumeDriver } from '../driver/volume-driver.js'

export type Json = Record<string, unknown>

export interface TestCaller {
  token: string
  projectId: string
  roles: string[]
}

export const admin: TestCaller = { token: 'admin-token', projectId: 'p-admin', roles: ['admin'] }
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

const tokens: TokenValidator = {
  async validate(token) {
    const caller = [admin, alice, bob].find((c) => c.token === token)
    if (!caller) throw new UnauthorizedError()
    return identityOf(caller)
  },
}

export interface BlockStorageFixture {
  app: FastifyInstance
  unit: BlockStorageUnit
  dataDir: string
  request(caller: TestCaller | undefined, options: InjectOptions): Promise<LightMyRequestResponse>
  /** `/volume/v3/<caller's project><path>` */
  url(caller: TestCaller, path: string): string
  createVolume(caller: TestCaller, body: Json): Promise<Json>
  /** Polls a volume until its status is one of `statuses`. */
  waitVolume(caller: TestCaller, id: string, statuses: string[]): Promise<Json>
  waitSnapshot(caller: TestCaller, id: string, statuses: string[]): Promise<Json>
  waitGone(caller: TestCaller, path: string): Promise<void>
  close(): Promise<void>
}

export async function createBlockStorageFixture(
  options: { config?: Partial<BlockStorageConfig>; driver?: VolumeDriver; dataDir?: string } = {},
): Promise<BlockStorageFixture> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'nimbus-volume-'))
  const logger = silentLogger()
  const server = createHttpServer({ logger })
  const bus = createMemoryBus()
  const dispatch = injectDispatcher(server.app)
  const images = await createImageUnit({
    dataDir,
    database: parseDatabaseUrl('sqlite://', dataDir),
    config: defaultImageConfig(),
    logger,
    clock: systemClock,
    ids: randomIds,
    tokens,
  })
  const unit = await createBlockStorageUnit({
    database: parseDatabaseUrl('sqlite://', dataDir),
    dataDir,
    config: defaultBlockStorageConfig({ capacityGb: 20, ...options.config }),
    logger,
    clock: systemClock,
    ids: randomIds,
    tokens,
    bus,
    dispatch,
    serviceToken: staticTokenSource(admin.token),
    host: 'node1',
    ...(options.driver ? { driver: options.driver } : {}),
  })
  for (const mount of [...images.mounts, ...unit.mounts]) await mountService(server.app, mount)
  await server.app.ready()
  await unit.start()
  const app = server.app
  const request: BlockStorageFixture['request'] = (caller, inject) =>
    app.inject({
      ...inject,
      headers: {
        accept: 'application/json',
        ...(caller ? { 'x-auth-token': caller.token } : {}),
        ...(inject.headers ?? {}),
      },
    })
  const url = (caller: TestCaller, path: string) => `/volume/v3/${caller.projectId}${path}`
  const wait = async (caller: TestCaller, path: string, key: string, statuses: string[]) => {
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      const r = await request(caller, { method: 'GET', url: url(caller, path) })
      if (r.statusCode !== 200) throw new Error(`GET ${path}: ${r.statusCode} ${r.body}`)
      const item = r.json<Json>()[key] as Json
      if (statuses.includes(String(item['status']))) return item
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error(`${path} never reached ${statuses.join('/')}`)
  }
  return {
    app,
    unit,
    dataDir,
    request,
    url,
    async createVolume(caller, body) {
      const r = await request(caller, {
        method: 'POST',
        url: url(caller, '/volumes'),
        payload: { volume: body },
      })
      if (r.statusCode !== 202) throw new Error(`create: ${r.statusCode} ${r.body}`)
      return r.json<{ volume: Json }>().volume
    },
    waitVolume: (caller, id, statuses) => wait(caller, `/volumes/${id}`, 'volume', statuses),
    waitSnapshot: (caller, id, statuses) => wait(caller, `/snapshots/${id}`, 'snapshot', statuses),
    async waitGone(caller, path) {
      const deadline = Date.now() + 60_000
      while (Date.now() < deadline) {
        const r = await request(caller, { method: 'GET', url: url(caller, path) })
        if (r.statusCode === 404) return
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      throw new Error(`${path} never went away`)
    },
    async close() {
      await app.close()
      await unit.close()
      await images.close()
      await bus.close()
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
