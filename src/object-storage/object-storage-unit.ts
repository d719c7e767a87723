/** @module object-storage/object-storage-unit: builds the proxy, ring and storage servers */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { TokenValidator } from '../core/auth/index.js'
import type { Clock } from '../core/clock/index.js'
import { renderObjectStorageFault } from '../core/faults/index.js'
import type { ServiceMount } from '../core/http/index.js'
import type { Logger } from '../core/log/index.js'
import { startPeriodic } from '../core/tasks/index.js'
import { configureObjectStorageScope, objectStorageRoutes } from './api/routes.js'
import type { ObjectStorageConfig } from './config.js'
import { auditObjects, type AuditReport } from './daemons/object-auditor.js'
import { expireObjects } from './daemons/object-expirer.js'
import { replicateObjects } from './daemons/object-replicator.js'
import { updateObjects, type UpdaterReport } from './daemons/object-updater.js'
import { Cluster } from './proxy/cluster.js'
import type { ProxyContext } from './proxy/context.js'
import { EXPIRY_SCHEMA, ExpiryQueue } from './proxy/expiry-queue.js'
import { loadOrBuildRing, rebalance, type RingDevice } from './ring/ring.js'
import type { DiskFileStore } from './storage/disk-file.js'
import { FileDiskFileStore } from './storage/file-disk-file.js'
import { createFilePlacer, type FilePlacer } from './storage/file-placer.js'
import { MemoryDiskFileStore } from './storage/memory-disk-file.js'
import { SqliteHandles } from './storage/sqlite-handles.js'
import { createTimestampSource } from './storage/timestamp.js'
import { randomBytes } from 'node:crypto'

/** Path of the object storage API on the listener. */
export const OBJECT_STORAGE_PATH = '/object-storage'

export interface ObjectStorageUnitOptions {
  dataDir: string
  config: Readonly<ObjectStorageConfig>
  logger: Logger
  clock: Clock
  tokens: TokenValidator
  /** Run the replicator, auditor and expirer on their schedules (off in tests that drive them by hand). */
  daemons?: boolean
}

/** A running object storage service. */
export interface ObjectStorageUnit {
  ctx: ProxyContext
  mounts: ServiceMount[]
  replicate(): ReturnType<typeof replicateObjects>
  /** One auditor pass at full speed (the scheduled one keeps to the configured rate). */
  audit(): Promise<AuditReport>
  expire(): Promise<number>
  /** One updater pass: retries the container updates kept as async pending. */
  update(): Promise<UpdaterReport>
  close(): Promise<void>
}

function deviceStore(
  driver: ObjectStorageConfig['diskFile'],
  device: RingDevice,
  placer: FilePlacer,
): DiskFileStore {
  return driver === 'memory'
    ? new MemoryDiskFileStore()
    : new FileDiskFileStore(device.path, placer)
}

export async function createObjectStorageUnit(
  options: ObjectStorageUnitOptions,
): Promise<ObjectStorageUnit> {
  const root = join(options.dataDir, 'object-storage')
  await mkdir(root, { recursive: true })
  const { config } = options
  const ring = await loadOrBuildRing(join(root, 'object.ring.json'), () =>
    rebalance({
      partPower: config.partPower,
      replicas: config.replicas,
      hashSuffix: randomBytes(8).toString('hex'),
      devices: Array.from({ length: config.devices }, (_, id) => ({
        id,
        name: `d${id + 1}`,
        zone: id + 1,
        weight: 100,
        path: join(root, 'devices', `d${id + 1}`),
      })),
    }),
  )
  // One placer thread serves every device folder of the process.
  const placer = createFilePlacer()
  if (config.diskFile !== 'memory') placer.start()
  const stores = new Map(ring.devices.map((d) => [d.id, deviceStore(config.diskFile, d, placer)]))
  const handles = new SqliteHandles()
  const cluster = new Cluster(ring, stores, handles)
  const logger = options.logger.child({ service: 'object-storage' })
  const expiryHandles = new SqliteHandles(1)
  const ctx: ProxyContext = {
    config,
    cluster,
    clock: options.clock,
    timestamp: createTimestampSource(() => options.clock.now()),
    logger,
    expiry: new ExpiryQueue(expiryHandles.get(join(root, 'expirer.db'), EXPIRY_SCHEMA)),
  }
  const abort = new AbortController()
  const jobs =
    options.daemons === false
      ? []
      : [
          startPeriodic(async () => void (await replicateObjects(cluster, logger)), {
            intervalMs: config.replicatorIntervalMs,
            signal: abort.signal,
            onError: (err) => logger.warn({ err }, 'replicator pass failed'),
          }),
          startPeriodic(
            async () =>
              void (await auditObjects(cluster, logger, {
                bytesPerSecond: config.auditorBytesPerSecond,
                signal: abort.signal,
              })),
            {
              intervalMs: config.auditorIntervalMs,
              signal: abort.signal,
              onError: (err) => logger.warn({ err }, 'auditor pass failed'),
            },
          ),
          startPeriodic(async () => void (await updateObjects(ctx)), {
            intervalMs: config.updaterIntervalMs,
            signal: abort.signal,
            onError: (err) => logger.warn({ err }, 'updater pass failed'),
          }),
          startPeriodic(async () => void (await expireObjects(ctx)), {
            intervalMs: config.expirerIntervalMs,
            signal: abort.signal,
            onError: (err) => logger.warn({ err }, 'expirer pass failed'),
          }),
        ]
  return {
    ctx,
    mounts: [
      {
        name: 'object-storage',
        prefixes: [OBJECT_STORAGE_PATH],
        routes: objectStorageRoutes(ctx),
        faults: renderObjectStorageFault,
        logger: options.logger,
        tokens: options.tokens,
        configure: configureObjectStorageScope,
      },
    ],
    replicate: () => replicateObjects(cluster, logger),
    audit: () => auditObjects(cluster, logger),
    expire: () => expireObjects(ctx),
    update: () => updateObjects(ctx),
    async close() {
      abort.abort()
      await Promise.all(jobs.map((j) => j.stopped))
      handles.closeAll()
      expiryHandles.closeAll()
      await placer.close()
    },
  }
}

/** What the composition root gives every unit (a structural subset of deploy's UnitEnv). */
export interface ObjectStorageUnitEnv {
  config: { dataDir: string; objectStorage: Readonly<ObjectStorageConfig> }
  logger: Logger
  clock: Clock
  tokens: TokenValidator
}

/** Starts object storage as a unit of the all-in-one, with its catalog entry. */
export async function startObjectStorageUnit(env: ObjectStorageUnitEnv) {
  const unit = await createObjectStorageUnit({
    dataDir: env.config.dataDir,
    config: env.config.objectStorage,
    logger: env.logger,
    clock: env.clock,
    tokens: env.tokens,
  })
  const prefix = env.config.objectStorage.resellerPrefix
  return {
    name: 'object-storage',
    mounts: unit.mounts,
    catalog: [
      {
        type: 'object-store',
        name: 'swift',
        description: 'Object Storage',
        path: `${OBJECT_STORAGE_PATH}/v1/${prefix}$(project_id)s`,
      },
    ],
    close: () => unit.close(),
  }
}
