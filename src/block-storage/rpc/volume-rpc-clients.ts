/** @module block-storage/rpc/volume-rpc-clients: typed clients of the volume RPC APIs */
import { createRpcClient, type Bus } from '../../core/bus/index.js'
import {
  volumeAgentRpc,
  volumeServerRpc,
  type BackendReport,
  type ConnectionRequest,
  type CopyToImageRequest,
  type CreateVolumeRequest,
} from './contracts.js'

/** Long calls (image copies) may take as long as the disk needs. */
const LONG_MS = 60 * 60_000
const SHORT_MS = 120_000

/** What the server asks an agent; each call resolves once the backend has done it. */
export interface VolumeAgentClient {
  createVolume(host: string, r: CreateVolumeRequest): Promise<void>
  deleteVolume(host: string, id: string): Promise<void>
  extendVolume(host: string, id: string, sizeGb: number): Promise<void>
  createSnapshot(host: string, r: { id: string; volumeId: string }): Promise<void>
  deleteSnapshot(host: string, id: string): Promise<void>
  copyVolumeToImage(host: string, r: CopyToImageRequest): Promise<void>
  initializeConnection(
    host: string,
    r: ConnectionRequest,
  ): Promise<{ driver_volume_type: string; data: Record<string, unknown> }>
  /** Ends a holder's connection (every holder's when none is named). */
  terminateConnection(host: string, r: { id: string; holder?: string }): Promise<void>
}

export function createVolumeAgentClient(bus: Bus): VolumeAgentClient {
  const rpc = createRpcClient(bus, volumeAgentRpc, { timeoutMs: SHORT_MS })
  const long = { timeoutMs: LONG_MS }
  return {
    createVolume: async (host, r) => void (await rpc.createVolume(r, { host, ...long })),
    deleteVolume: async (host, id) => void (await rpc.deleteVolume({ id }, { host })),
    extendVolume: async (host, id, sizeGb) =>
      void (await rpc.extendVolume({ id, sizeGb }, { host })),
    createSnapshot: async (host, r) => void (await rpc.createSnapshot(r, { host, ...long })),
    deleteSnapshot: async (host, id) => void (await rpc.deleteSnapshot({ id }, { host, ...long })),
    copyVolumeToImage: async (host, r) => void (await rpc.copyVolumeToImage(r, { host, ...long })),
    initializeConnection: async (host, r) =>
      (await rpc.initializeConnection(r, { host })) as {
        driver_volume_type: string
        data: Record<string, unknown>
      },
    terminateConnection: async (host, r) => void (await rpc.terminateConnection(r, { host })),
  }
}

/** What an agent tells the server. */
export interface VolumeServerClient {
  heartbeat(report: BackendReport): Promise<void>
}

export function createVolumeServerClient(bus: Bus): VolumeServerClient {
  const rpc = createRpcClient(bus, volumeServerRpc)
  return { heartbeat: (report) => rpc.heartbeat(report) }
}
