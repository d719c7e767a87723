/** @module block-storage/rpc/contracts: the RPC APIs between the volume API and its agents */
import { defineRpc } from '../../core/bus/index.js'

/** A volume agent, addressed per host (`volume.<host>`). Every method is idempotent. */
export const volumeAgentRpc = defineRpc({
  topic: 'volume',
  version: '1.1',
  methods: {
    createVolume: { kind: 'call', since: '1.0' },
    deleteVolume: { kind: 'call', since: '1.0' },
    extendVolume: { kind: 'call', since: '1.0' },
    createSnapshot: { kind: 'call', since: '1.0' },
    deleteSnapshot: { kind: 'call', since: '1.0' },
    copyVolumeToImage: { kind: 'call', since: '1.0' },
    initializeConnection: { kind: 'call', since: '1.0' },
    /** Ends what initializeConnection set up for a holder (an NBD export's user). */
    terminateConnection: { kind: 'call', since: '1.1' },
  },
})

/** The volume server: what agents report. */
export const volumeServerRpc = defineRpc({
  topic: 'volume-server',
  version: '1.0',
  methods: {
    /** An agent is alive; carries its backend's capacity and capabilities. */
    heartbeat: { kind: 'cast', since: '1.0' },
  },
})

/** Where a new volume's content comes from. */
export type VolumeSource =
  | { kind: 'blank' }
  | { kind: 'snapshot'; snapshotId: string }
  | { kind: 'volume'; sourceId: string }
  | { kind: 'image'; imageId: string; diskFormat: string }

export interface CreateVolumeRequest {
  id: string
  sizeGb: number
  source: VolumeSource
}

/** A connection to a volume for one holder (1.1 adds `holder` and `readOnly`). */
export interface ConnectionRequest {
  id: string
  connector: Record<string, unknown>
  /** The attachment id, or `connector:<host>` for the older actions. */
  holder?: string
  readOnly?: boolean
}

export interface CopyToImageRequest {
  id: string
  imageId: string
  diskFormat: string
}

/** A backend as its agent reports it. */
export interface BackendReport {
  host: string
  backend: string
  zone: string
  stats: { totalGb: number; freeGb: number; provisionedGb: number }
  capabilities: {
    vendorName: string
    driverVersion: string
    storageProtocol: string
    thinProvisioning: boolean
    copyOnWriteSnapshots: boolean
    onlineExtend: boolean
  }
}
