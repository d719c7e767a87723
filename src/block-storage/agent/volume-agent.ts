/** @module block-storage/agent/volume-agent: the unit that owns one storage host's backend */
import type { ImageClient } from '../../clients/image-client.js'
import { MalformedMessageError, serveRpc, type Bus } from '../../core/bus/index.js'
import type { Logger } from '../../core/log/index.js'
import { createKeyedQueue, startPeriodic } from '../../core/tasks/index.js'
import { isVolumeFormat, type VolumeDriver } from '../driver/volume-driver.js'
import {
  volumeAgentRpc,
  type BackendReport,
  type ConnectionRequest,
  type CopyToImageRequest,
  type CreateVolumeRequest,
} from '../rpc/contracts.js'
import { createVolumeServerClient } from '../rpc/volume-rpc-clients.js'

export interface VolumeAgentOptions {
  host: string
  zone: string
  bus: Bus
  driver: VolumeDriver
  /** The image service, with the agent's own service token. */
  images: ImageClient
  logger: Logger
  periodicMs?: number
}

export interface VolumeAgent {
  host: string
  /** Sends a heartbeat with fresh stats now (after a change of capacity). */
  report(): Promise<void>
  idle(): Promise<void>
  stop(): Promise<void>
}

function args<T>(value: unknown, method: string, keys: readonly string[]): T {
  if (typeof value !== 'object' || value === null)
    throw new MalformedMessageError('volume', method, 'arguments are not an object')
  for (const key of keys) {
    if (typeof (value as Record<string, unknown>)[key] !== 'string')
      throw new MalformedMessageError('volume', method, `${key} is not a string`)
  }
  return value as T
}

/** `qcow2` and `raw` are read and written as such; other image formats are refused with a reason. */
function imageFormat(diskFormat: string) {
  if (isVolumeFormat(diskFormat)) return diskFormat
  throw new Error(`images of disk format ${diskFormat} cannot be copied into a volume`)
}

/**
 * The format an image's bytes are read in when copied into a volume: an AMI machine image and an
 * ISO are raw bytes of a disk, as Cinder reads them; kernels and ramdisks (aki, ari) are no disks.
 */
function sourceImageFormat(diskFormat: string) {
  return diskFormat === 'ami' || diskFormat === 'iso' ? 'raw' : imageFormat(diskFormat)
}

/** Starts an agent: init the driver, report, then serve its host topic. */
export async function startVolumeAgent(options: VolumeAgentOptions): Promise<VolumeAgent> {
  const { host, driver, bus, images } = options
  const logger = options.logger.child({ unit: 'volume-agent', host })
  const server = createVolumeServerClient(bus)
  await driver.init()
  const report = async () => {
    const r: BackendReport = {
      host,
      backend: driver.name,
      zone: options.zone,
      stats: await driver.stats(),
      capabilities: driver.capabilities(),
    }
    await server.heartbeat(r)
  }
  await report()
  // One operation at a time per volume (snapshot work is keyed by its volume when known).
  const queue = createKeyedQueue()
  const subscription = await serveRpc(
    bus,
    volumeAgentRpc,
    {
      createVolume: async (a) => {
        const r = args<CreateVolumeRequest>(a, 'createVolume', ['id'])
        await queue.run(r.id, async () => {
          const s = r.source
          if (s.kind === 'blank') await driver.createVolume({ id: r.id, sizeGb: r.sizeGb })
          else if (s.kind === 'snapshot')
            await driver.createFromSnapshot({
              id: r.id,
              snapshotId: s.snapshotId,
              sizeGb: r.sizeGb,
            })
          else if (s.kind === 'volume')
            await driver.cloneVolume({ id: r.id, sourceId: s.sourceId, sizeGb: r.sizeGb })
          else {
            const format = sourceImageFormat(s.diskFormat)
            const source = await images.downloadData(s.imageId)
            await driver.copyImageToVolume({ id: r.id, sizeGb: r.sizeGb, format, source })
          }
        })
        void report().catch(() => undefined)
        return {}
      },
      deleteVolume: async (a) => {
        const r = args<{ id: string }>(a, 'deleteVolume', ['id'])
        await queue.run(r.id, () => driver.deleteVolume(r.id))
        void report().catch(() => undefined)
        return {}
      },
      extendVolume: async (a) => {
        const r = args<{ id: string; sizeGb: number }>(a, 'extendVolume', ['id'])
        await queue.run(r.id, () => driver.extendVolume(r.id, r.sizeGb))
        return {}
      },
      createSnapshot: async (a) => {
        const r = args<{ id: string; volumeId: string }>(a, 'createSnapshot', ['id', 'volumeId'])
        await queue.run(r.volumeId, () => driver.createSnapshot(r))
        return {}
      },
      deleteSnapshot: async (a) => {
        const r = args<{ id: string }>(a, 'deleteSnapshot', ['id'])
        await queue.run(`snapshot-${r.id}`, () => driver.deleteSnapshot(r.id))
        return {}
      },
      copyVolumeToImage: async (a) => {
        const r = args<CopyToImageRequest>(a, 'copyVolumeToImage', ['id', 'imageId'])
        const out = await queue.run(r.id, () =>
          driver.copyVolumeToImage(r.id, imageFormat(r.diskFormat)),
        )
        try {
          await images.uploadStream(r.imageId, out.stream, out.size)
        } finally {
          out.stream.destroy()
        }
        return {}
      },
      initializeConnection: async (a) => {
        const r = args<ConnectionRequest>(a, 'initializeConnection', ['id'])
        const holder =
          typeof r.holder === 'string'
            ? { holder: r.holder, readOnly: r.readOnly === true }
            : undefined
        const info = await queue.run(r.id, () =>
          driver.connectionInfo(r.id, r.connector ?? {}, holder),
        )
        return { driver_volume_type: info.driverVolumeType, data: info.data }
      },
      terminateConnection: async (a) => {
        const r = args<{ id: string; holder?: string }>(a, 'terminateConnection', ['id'])
        const holder = typeof r.holder === 'string' ? r.holder : undefined
        await queue.run(r.id, () => driver.terminateConnection(r.id, holder))
        return {}
      },
    },
    { host },
  )
  const stop = new AbortController()
  const job = startPeriodic(report, {
    intervalMs: options.periodicMs ?? 10_000,
    signal: stop.signal,
    onError: (error) => logger.warn({ err: error }, 'volume agent heartbeat failed'),
  })
  return {
    host,
    report,
    idle: () => queue.idle(),
    async stop() {
      stop.abort()
      await job.stopped
      await subscription.close()
      await queue.idle()
    },
  }
}
