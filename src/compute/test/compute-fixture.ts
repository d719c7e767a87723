/** @module compute/test/compute-fixture: identity-less cloud of image, network, placement and compute on one app */
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { createComputeEventsClient } from '../../clients/compute-events-client.js'
import { injectDispatcher } from '../../clients/http-dispatcher.js'
import { staticTokenSource } from '../../clients/service-token.js'
import type { AuthIdentity, TokenValidator } from '../../core/auth/index.js'
import { createMemoryBus, type MemoryBus } from '../../core/bus/index.js'
import { systemClock } from '../../core/clock/index.js'
import { resolveConfig } from '../../core/config/index.js'
import { parseDatabaseUrl } from '../../core/db/index.js'
import { UnauthorizedError } from '../../core/errors/index.js'
import { createHttpServer, mountService, type ServiceMount } from '../../core/http/index.js'
import { randomIds } from '../../core/ids/index.js'
import { silentLogger } from '../../core/log/index.js'
/* eslint-disable no-restricted-imports -- this fixture is a composition root (as deploy/ is): it
   assembles the services compute calls, which compute's own code reaches only over REST. */
import { imageConfigFrom, imageConfigSpec } from '../../image/config.js'
import { createImageUnit } from '../../image/image-unit.js'
import { networkConfigFrom, networkConfigSpec } from '../../network/config.js'
import { createNetworkUnit } from '../../network/network-unit.js'
import { createPlacementUnit } from '../../placement/placement-unit.js'
import { createBlockStorageUnit } from '../../block-storage/block-storage-unit.js'
import { defaultBlockStorageConfig } from '../../block-storage/config.js'
import { FakeVolumeDriver } from '../../block-storage/driver/fake/fake-volume-driver.js'
/* eslint-enable no-restricted-imports */
import { computeConfigFrom, computeConfigSpec, type ComputeConfig } from '../config.js'
import { createComputeUnit, type ComputeUnit } from '../compute-unit.js'
import type { ComputeDriver } from '../virt/compute-driver.js'

export type Json = Record<string, unknown>

export interface TestCaller {
  token: string
  projectId: string
  roles: string[]
}

export const admin: TestCaller = { token: 'admin-token', projectId: 'p-admin', roles: ['admin'] }
export const alice: TestCaller = { token: 'alice-token', projectId: 'p-alice', roles: ['member'] }
export const bob: TestCaller = { token: 'bob-token', projectId: 'p-bob', roles: ['member'] }
const service: TestCaller = {
  token: 'service-token',
  projectId: 'p-service',
  roles: ['admin', 'service'],
}

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

/** Knows admin, alice, bob and the service user by their tokens. */
export const testTokens: TokenValidator = {
  async validate(token) {
    const caller = [admin, alice, bob, service].find((c) => c.token === token)
    if (!caller) throw new UnauthorizedError()
    return identityOf(caller)
  },
}

export interface ComputeFixture {
  app: FastifyInstance
  /** The other services' mounts (image, network, placement), to mount on another app. */
  otherMounts: ServiceMount[]
  compute: ComputeUnit
  bus: MemoryBus
  imageId: string
  networkId: string
  request(caller: TestCaller, options: InjectOptions): Promise<LightMyRequestResponse>
  /** Creates a server as `caller` and returns its id (asserting 202). */
  boot(caller: TestCaller, server?: Json, extra?: Json): Promise<string>
  /** Lets every queued message run, then returns the server's view. */
  server(caller: TestCaller, id: string, microversion?: string): Promise<Json>
  /** Waits for a server's status. */
  waitFor(caller: TestCaller, id: string, status: string): Promise<Json>
  close(): Promise<void>
}

export async function createComputeFixture(
  options: {
    hosts?: string[]
    config?: Partial<ComputeConfig>
    driverFor?: (host: string) => ComputeDriver
    periodicMs?: number
    /** Per-project port quota of the network service (default: its configured one). */
    portQuota?: number
    /** A folder for SQLite files (default: in memory), so a unit can be started again on it. */
    databaseDir?: string
    /** Runs block storage too, on its fake driver with this capacity in GiB. */
    volumeCapacityGb?: number
  } = {},
): Promise<ComputeFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-compute-'))
  const logger = silentLogger()
  const common = { logger, clock: systemClock, ids: randomIds, tokens: testTokens }
  const database = parseDatabaseUrl(
    options.databaseDir ? `sqlite://${options.databaseDir}` : 'sqlite::memory:',
    dataDir,
  )
  const image = await createImageUnit({
    ...common,
    dataDir,
    database,
    config: {
      ...imageConfigFrom(resolveConfig(imageConfigSpec, {})),
      defaultImagesDir: join(dataDir, 'none'),
    },
  })
  const server = createHttpServer({ logger })
  const network = await createNetworkUnit({
    ...common,
    computeEvents: createComputeEventsClient({
      service: 'compute',
      base: '/compute/v2.1',
      dispatch: injectDispatcher(server.app),
      tokens: staticTokenSource(service.token),
    }),
    database,
    config: ((base) =>
      options.portQuota === undefined
        ? base
        : { ...base, quotas: { ...base.quotas, port: options.portQuota } })(
      networkConfigFrom(resolveConfig(networkConfigSpec, {})),
    ),
    adminProjectId: admin.projectId,
  })
  const placement = await createPlacementUnit({ ...common, database })
  const bus = createMemoryBus()
  const compute = await createComputeUnit({
    ...common,
    database,
    config: { ...computeConfigFrom(resolveConfig(computeConfigSpec, {})), ...options.config },
    bus,
    dispatch: injectDispatcher(server.app),
    serviceToken: staticTokenSource(service.token),
    hostNames: options.hosts ?? ['host1'],
    ...(options.driverFor ? { driverFor: options.driverFor } : {}),
    ...(options.periodicMs ? { periodicMs: options.periodicMs } : {}),
  })
  const volumes =
    options.volumeCapacityGb === undefined
      ? undefined
      : await createBlockStorageUnit({
          ...common,
          database,
          dataDir,
          config: defaultBlockStorageConfig({ capacityGb: options.volumeCapacityGb }),
          bus,
          dispatch: injectDispatcher(server.app),
          serviceToken: staticTokenSource(service.token),
          host: 'storage1',
          driver: new FakeVolumeDriver(options.volumeCapacityGb),
        })
  const units = [image, network, placement, ...(volumes ? [volumes] : [])]
  for (const unit of [...units, compute]) {
    for (const mount of unit.mounts) await mountService(server.app, mount)
  }
  await server.app.ready()
  await volumes?.start()
  await compute.start()
  const request: ComputeFixture['request'] = (caller, opts) =>
    server.app.inject({
      ...opts,
      headers: { 'x-auth-token': caller.token, ...(opts.headers ?? {}) },
    })
  const img = await request(admin, {
    method: 'POST',
    url: '/image/v2/images',
    payload: { name: 'cirros', disk_format: 'raw', container_format: 'bare', visibility: 'public' },
  })
  const imageId = String((img.json() as Json)['id'])
  await request(admin, {
    method: 'PUT',
    url: `/image/v2/images/${imageId}/file`,
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.from('disk'),
  })
  const net = await request(admin, {
    method: 'POST',
    url: '/networking/v2.0/networks',
    payload: { network: { name: 'private', shared: true } },
  })
  const networkId = String(((net.json() as Json)['network'] as Json)['id'])
  await request(admin, {
    method: 'POST',
    url: '/networking/v2.0/subnets',
    payload: { subnet: { network_id: networkId, cidr: '10.1.0.0/24', ip_version: 4 } },
  })
  const fixture: ComputeFixture = {
    app: server.app,
    otherMounts: units.flatMap((u) => u.mounts),
    compute,
    bus,
    imageId,
    networkId,
    request,
    async boot(caller, body = {}, extra = {}) {
      const res = await request(caller, {
        method: 'POST',
        url: '/compute/v2.1/servers',
        payload: {
          server: {
            name: 'vm',
            imageRef: imageId,
            flavorRef: '42',
            networks: [{ uuid: networkId }],
            ...body,
          },
          ...extra,
        },
      })
      if (res.statusCode !== 202) throw new Error(`create answered ${res.statusCode}: ${res.body}`)
      return String(((res.json() as Json)['server'] as Json)['id'])
    },
    async server(caller, id, microversion) {
      await bus.drain()
      for (const agent of compute.agents) await agent.idle()
      await bus.drain()
      const res = await request(caller, {
        method: 'GET',
        url: `/compute/v2.1/servers/${id}`,
        ...(microversion
          ? { headers: { 'openstack-api-version': `compute ${microversion}` } }
          : {}),
      })
      return (res.json() as Json)['server'] as Json
    },
    async waitFor(caller, id, status) {
      for (let i = 0; i < 50; i++) {
        const s = await fixture.server(caller, id)
        if (s?.['status'] === status) return s
        await new Promise((r) => setTimeout(r, 10))
      }
      throw new Error(
        `server ${id} never reached ${status}: ${JSON.stringify(await fixture.server(caller, id))}`,
      )
    },
    async close() {
      await server.app.close()
      await compute.close()
      await bus.close()
      await volumes?.close()
      for (const unit of [placement, network, image]) await unit.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
  return fixture
}
