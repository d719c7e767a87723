/** @module block-storage/block-storage-unit: builds the block storage API, scheduler and volume agent */
import { hostname } from 'node:os'
import { join } from 'node:path'
import { createImageClient } from '../clients/image-client.js'
import type { HttpDispatcher } from '../clients/http-dispatcher.js'
import type { RestEndpoint } from '../clients/rest-client.js'
import { staticTokenSource, type TokenSource } from '../clients/service-token.js'
import type { TokenValidator } from '../core/auth/index.js'
import { serveRpc, type Bus, type Subscription } from '../core/bus/index.js'
import type { Clock } from '../core/clock/index.js'
import { migrateToLatest, openServiceDatabase, type DatabaseLocation } from '../core/db/index.js'
import { renderComputeFault } from '../core/faults/index.js'
import type { ServiceMount } from '../core/http/index.js'
import type { IdSource } from '../core/ids/index.js'
import type { Logger } from '../core/log/index.js'
import { createPolicyEnforcer } from '../core/policy/index.js'
import { listAddresses } from '../core/sys/ip-link.js'
import { startPeriodic } from '../core/tasks/index.js'
import { startVolumeAgent, type VolumeAgent } from './agent/volume-agent.js'
import { blockStoragePolicyDefaults } from './api/policy.js'
import { blockStorageRoutes } from './api/routes.js'
import { VOLUME_MAX_VERSION, VOLUME_MIN_VERSION } from './api/versions-routes.js'
import type { BlockStorageConfig } from './config.js'
import { blockStorageMigrations } from './db/migrations/index.js'
import type { BlockStorageDatabase } from './db/schema.js'
import { volumeDrivers } from './driver/driver-registry.js'
import type { NbdExportSettings } from './driver/file/nbd-exports.js'
import type { VolumeDriver } from './driver/volume-driver.js'
import { volumeServerRpc, type BackendReport } from './rpc/contracts.js'
import { createVolumeAgentClient } from './rpc/volume-rpc-clients.js'
import { recordHeartbeat, recordSchedulerHeartbeat } from './service/backends.js'
import { createBackgroundWork, type BlockStorageContext } from './service/context.js'
import { recoverInterrupted } from './service/recovery.js'
import { ensureDefaultType } from './service/volume-types.js'

/** Path of the block storage API on the listener. */
export const BLOCK_STORAGE_PATH = '/volume'

export interface BlockStorageUnitOptions {
  database: DatabaseLocation
  dataDir: string
  config: Readonly<BlockStorageConfig>
  logger: Logger
  clock: Clock
  ids: IdSource
  tokens: TokenValidator
  bus: Bus
  dispatch: HttpDispatcher
  /** The block storage service user's token, for the agent's image transfers. */
  serviceToken: TokenSource
  policyOverrides?: Record<string, string>
  /** Builds the backend instead of the configured one (tests inject failures). */
  driver?: VolumeDriver
  /** Name of the storage host (default: this machine's name). */
  host?: string
  /** Other names compute hosts of this machine connect under (the node's configured host name). */
  localHosts?: readonly string[]
  /** The network's VXLAN endpoint address, the default address of NBD exports. */
  tunnelIp?: string
  periodicMs?: number
}

export interface BlockStorageUnit {
  ctx: BlockStorageContext
  mounts: ServiceMount[]
  agent(): VolumeAgent | undefined
  /** Starts the server's RPC endpoint, the volume agent and recovery. */
  start(): Promise<void>
  close(): Promise<void>
}

/** The address NBD exports listen on: configured, the tunnel address, a global IPv4 or loopback. */
async function exportAddress(config: Readonly<BlockStorageConfig>, tunnelIp = ''): Promise<string> {
  if (config.nbdAddress) return config.nbdAddress
  if (tunnelIp) return tunnelIp
  const found = (await listAddresses().catch(() => [])).find(
    (a) => a.family === 4 && a.device !== 'lo' && !/^(brq|tap|vxlan-)/.test(a.device),
  )
  return found?.cidr.split('/')[0] ?? '127.0.0.1'
}

/** The file backend's export settings; refuses a port range that is empty. */
async function exportSettings(
  options: BlockStorageUnitOptions,
  host: string,
): Promise<NbdExportSettings> {
  const c = options.config
  if (c.nbdPortMin > c.nbdPortMax)
    throw new Error(
      `volume.nbd_port_min (${c.nbdPortMin}) is above volume.nbd_port_max (${c.nbdPortMax})`,
    )
  return {
    mode: c.export,
    localHosts: [...new Set([host, ...(options.localHosts ?? [])])],
    address: await exportAddress(c, options.tunnelIp),
    portMin: c.nbdPortMin,
    portMax: c.nbdPortMax,
  }
}

export async function createBlockStorageUnit(
  options: BlockStorageUnitOptions,
): Promise<BlockStorageUnit> {
  const database = await openServiceDatabase<BlockStorageDatabase>(
    options.database,
    'block_storage',
  )
  await migrateToLatest(database.db as never, blockStorageMigrations)
  const logger = options.logger.child({ service: 'block-storage' })
  const endpoint = (tokens: TokenSource): RestEndpoint => ({
    service: 'image',
    base: '/image/v2',
    dispatch: options.dispatch,
    tokens,
  })
  const background = createBackgroundWork(logger)
  const ctx: BlockStorageContext = {
    db: database.db,
    clock: options.clock,
    ids: options.ids,
    config: options.config,
    logger,
    agents: createVolumeAgentClient(options.bus),
    imagesFor: (token) => createImageClient(endpoint(staticTokenSource(token))),
    background,
  }
  await ensureDefaultType(ctx)
  const policy = createPolicyEnforcer({
    defaults: blockStoragePolicyDefaults,
    ...(options.policyOverrides ? { overrides: options.policyOverrides } : {}),
  })
  const host = options.host ?? hostname()
  const subscriptions: Subscription[] = []
  const stop = new AbortController()
  let agent: VolumeAgent | undefined
  let beat: Promise<void> = Promise.resolve()
  return {
    ctx,
    agent: () => agent,
    mounts: [
      {
        name: 'block-storage',
        prefixes: [BLOCK_STORAGE_PATH],
        routes: blockStorageRoutes(ctx),
        faults: renderComputeFault,
        logger: options.logger,
        tokens: options.tokens,
        policy,
        microversion: {
          serviceType: 'volume',
          min: VOLUME_MIN_VERSION,
          max: VOLUME_MAX_VERSION,
        },
      },
    ],
    async start() {
      subscriptions.push(
        await serveRpc(options.bus, volumeServerRpc, {
          heartbeat: async (report) => {
            await recordHeartbeat(ctx, report as BackendReport)
            return undefined
          },
        }),
      )
      await recordSchedulerHeartbeat(ctx, host)
      beat = startPeriodic(() => recordSchedulerHeartbeat(ctx, host), {
        intervalMs: options.periodicMs ?? 10_000,
        signal: stop.signal,
        onError: (error) => logger.warn({ err: error }, 'scheduler heartbeat failed'),
      }).stopped
      const driver =
        options.driver ??
        volumeDrivers[options.config.driver]({
          root: options.config.dir || join(options.dataDir, 'volumes'),
          format: options.config.format,
          capacityGb: options.config.capacityGb,
          ...(options.config.driver === 'file'
            ? { exports: await exportSettings(options, host) }
            : {}),
          warn: (message) => logger.warn(message),
        })
      agent = await startVolumeAgent({
        host,
        zone: options.config.availabilityZone,
        bus: options.bus,
        driver,
        images: createImageClient(endpoint(options.serviceToken)),
        logger,
        ...(options.periodicMs ? { periodicMs: options.periodicMs } : {}),
      })
      await recoverInterrupted(ctx)
    },
    async close() {
      stop.abort()
      await beat
      await background.drain()
      await agent?.stop()
      for (const s of subscriptions) await s.close()
      await database.close()
    },
  }
}

/** What the all-in-one gives the block storage unit (structurally the deploy layer's UnitEnv). */
export interface BlockStorageUnitEnv {
  config: {
    dataDir: string
    hostName: string
    blockStorage: Readonly<BlockStorageConfig>
    network: { tunnelIp: string }
  }
  database: DatabaseLocation
  logger: Logger
  clock: Clock
  ids: IdSource
  tokens: TokenValidator
  bus: Bus
  dispatch: HttpDispatcher
  serviceToken(name: string): TokenSource
  policyOverrides?: Record<string, string>
}

/** The all-in-one's factory of the block storage service. */
export async function startBlockStorageUnit(env: BlockStorageUnitEnv) {
  const unit = await createBlockStorageUnit({
    database: env.database,
    dataDir: env.config.dataDir,
    config: env.config.blockStorage,
    logger: env.logger,
    clock: env.clock,
    ids: env.ids,
    tokens: env.tokens,
    bus: env.bus,
    dispatch: env.dispatch,
    serviceToken: env.serviceToken('cinder'),
    localHosts: [env.config.hostName],
    tunnelIp: env.config.network.tunnelIp,
    ...(env.policyOverrides ? { policyOverrides: env.policyOverrides } : {}),
  })
  const path = `${BLOCK_STORAGE_PATH}/v3/$(project_id)s`
  return {
    name: 'cinder',
    mounts: unit.mounts,
    catalog: [
      { type: 'volumev3', name: 'cinderv3', description: 'Block Storage v3', path },
      { type: 'block-storage', name: 'cinder', description: 'Block Storage', path },
    ],
    start: () => unit.start(),
    close: () => unit.close(),
  }
}
