/** @module clients/volume-client: the Block Storage API as the compute service uses it (Nova -> Cinder) */
import { restCall, type RestEndpoint } from './rest-client.js'

/** Path of a project's Block Storage API on the listener (the catalog's `volumev3` URL). */
export function volumeApiBase(projectId: string): string {
  return `/volume/v3/${encodeURIComponent(projectId)}`
}

/** The microversion the client speaks: v3 attachments with `os-complete` (3.44). */
export const VOLUME_CLIENT_MICROVERSION = '3.44'

/** A volume as the compute service needs it. */
export interface VolumeInfo {
  id: string
  name: string | null
  status: string
  size: number
  availabilityZone: string
  bootable: boolean
  multiattach: boolean
  /** What the volume kept of the image it was made from (`volume_image_metadata`). */
  imageMetadata: Record<string, string>
  /** Servers it is attached to, with the attachment id and device. */
  attachments: { attachmentId: string; serverId: string | null; device: string | null }[]
  description: string | null
  volumeType: string | null
  snapshotId: string | null
  createdAt: string
  metadata: Record<string, string>
}

/** A volume snapshot as the compute service's proxy shows it. */
export interface SnapshotInfo {
  id: string
  volumeId: string
  status: string
  size: number
  name: string | null
  description: string | null
  createdAt: string
}

function snapshotFrom(v: Json): SnapshotInfo {
  return {
    id: String(v['id']),
    volumeId: String(v['volume_id']),
    status: String(v['status']),
    size: Number(v['size']),
    name: typeof v['name'] === 'string' ? v['name'] : null,
    description: typeof v['description'] === 'string' ? v['description'] : null,
    createdAt: String(v['created_at'] ?? ''),
  }
}

/** How a compute host reaches a volume (`driver_volume_type` `file`: `data.path`, `data.format`). */
export interface ConnectionInfo {
  driver_volume_type: string
  data: Record<string, unknown>
}

/** The compute host that wants the volume (Cinder's connector). */
export interface Connector {
  host: string
  ip?: string
  initiator?: string
  mountpoint?: string
  [key: string]: unknown
}

/** A v3 attachment. */
export interface AttachmentInfo {
  id: string
  status: string
  volumeId: string
  instance: string | null
  attachMode: string | null
  connectionInfo: ConnectionInfo | null
}

type Json = Record<string, unknown>

function volumeFrom(v: Json): VolumeInfo {
  const attachments = Array.isArray(v['attachments']) ? (v['attachments'] as Json[]) : []
  return {
    id: String(v['id']),
    name: typeof v['name'] === 'string' ? v['name'] : null,
    status: String(v['status']),
    size: Number(v['size']),
    availabilityZone: String(v['availability_zone'] ?? ''),
    bootable: v['bootable'] === 'true' || v['bootable'] === true,
    multiattach: v['multiattach'] === true,
    description: typeof v['description'] === 'string' ? v['description'] : null,
    volumeType: typeof v['volume_type'] === 'string' ? v['volume_type'] : null,
    snapshotId: typeof v['snapshot_id'] === 'string' ? v['snapshot_id'] : null,
    createdAt: String(v['created_at'] ?? ''),
    metadata:
      v['metadata'] && typeof v['metadata'] === 'object'
        ? (v['metadata'] as Record<string, string>)
        : {},
    imageMetadata: Object.fromEntries(
      Object.entries((v['volume_image_metadata'] ?? {}) as Json).map(([k, x]) => [k, String(x)]),
    ),
    attachments: attachments.map((a) => ({
      attachmentId: String(a['attachment_id']),
      serverId: typeof a['server_id'] === 'string' ? a['server_id'] : null,
      device: typeof a['device'] === 'string' ? a['device'] : null,
    })),
  }
}

function attachmentFrom(a: Json): AttachmentInfo {
  const info = a['connection_info']
  return {
    id: String(a['id']),
    status: String(a['status']),
    volumeId: String(a['volume_id']),
    instance: typeof a['instance'] === 'string' ? a['instance'] : null,
    attachMode: typeof a['attach_mode'] === 'string' ? a['attach_mode'] : null,
    connectionInfo: info && typeof info === 'object' ? (info as ConnectionInfo) : null,
  }
}

/** The Block Storage API client; every call fails with ServiceCallError on an error status. */
export interface VolumeClient {
  /** The volume, or undefined when it does not exist for the token's project. */
  getVolume(id: string): Promise<VolumeInfo | undefined>
  /** The token's project's volumes, in block storage's order. */
  listVolumes(): Promise<VolumeInfo[]>
  /** Starts creating a volume (boot from volume); poll getVolume until `available` or `error`. */
  createVolume(input: {
    size: number
    name?: string
    description?: string
    metadata?: Record<string, string>
    imageRef?: string
    snapshotId?: string
    sourceVolid?: string
    availabilityZone?: string
    volumeType?: string
  }): Promise<VolumeInfo>
  deleteVolume(id: string): Promise<void>
  /** Snapshots (Nova's os-snapshots proxy); getSnapshot answers undefined for an unknown id. */
  createSnapshot(input: {
    volumeId: string
    force?: boolean
    name?: string
    description?: string
  }): Promise<SnapshotInfo>
  getSnapshot(id: string): Promise<SnapshotInfo | undefined>
  listSnapshots(): Promise<SnapshotInfo[]>
  deleteSnapshot(id: string): Promise<void>
  /** Grows an attached volume (3.42+) or a detached one. */
  extendVolume(id: string, newSize: number): Promise<void>

  // The older attach protocol (what Nova used before 3.27).
  reserve(id: string): Promise<void>
  unreserve(id: string): Promise<void>
  initializeConnection(id: string, connector: Connector): Promise<ConnectionInfo>
  attach(
    id: string,
    input: { instanceUuid: string; mountpoint: string; hostName?: string; mode?: 'rw' | 'ro' },
  ): Promise<void>
  beginDetaching(id: string): Promise<void>
  rollDetaching(id: string): Promise<void>
  terminateConnection(id: string, connector: Connector): Promise<void>
  detach(id: string, attachmentId?: string): Promise<void>

  // The v3 attachments API (what Nova uses today).
  /** Reserves the volume for a server (`reserved`), or exports it at once when given a connector. */
  createAttachment(input: {
    volumeId: string
    instanceUuid: string
    connector?: Connector
    mode?: 'rw' | 'ro'
  }): Promise<AttachmentInfo>
  /** Gives the compute host's connector; answers with the connection info. */
  updateAttachment(id: string, connector: Connector): Promise<AttachmentInfo>
  /** The guest has the device: the volume goes `in-use`. */
  completeAttachment(id: string): Promise<void>
  /** Detaches: the volume goes back to `available` when no other attachment remains. */
  deleteAttachment(id: string): Promise<void>
}

/**
 * `endpoint.base` is {@link volumeApiBase} of the project whose volumes are used; the token may be
 * the user's (as Nova calls Cinder) or a service token with the admin role.
 */
export function createVolumeClient(endpoint: RestEndpoint): VolumeClient {
  const ep: RestEndpoint = {
    ...endpoint,
    headers: {
      'openstack-api-version': `volume ${VOLUME_CLIENT_MICROVERSION}`,
      ...(endpoint.headers ?? {}),
    },
  }
  const vol = (id: string) => `/volumes/${encodeURIComponent(id)}`
  const action = async (id: string, body: Json) => {
    await restCall(ep, 'POST', `${vol(id)}/action`, { body })
  }
  return {
    async getVolume(id) {
      const r = await restCall(ep, 'GET', vol(id), { allow: [404] })
      return r.status === 404 ? undefined : volumeFrom((r.body as { volume: Json }).volume)
    },
    async createSnapshot(input) {
      const r = await restCall(ep, 'POST', '/snapshots', {
        body: {
          snapshot: {
            volume_id: input.volumeId,
            force: input.force ?? false,
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
          },
        },
      })
      return snapshotFrom((r.body as { snapshot: Json }).snapshot)
    },
    async getSnapshot(id) {
      const r = await restCall(ep, 'GET', `/snapshots/${encodeURIComponent(id)}`, {
        allow: [404],
      })
      return r.status === 404 ? undefined : snapshotFrom((r.body as { snapshot: Json }).snapshot)
    },
    async listSnapshots() {
      const r = await restCall(ep, 'GET', '/snapshots/detail')
      return (r.body as { snapshots: Json[] }).snapshots.map(snapshotFrom)
    },
    async deleteSnapshot(id) {
      await restCall(ep, 'DELETE', `/snapshots/${encodeURIComponent(id)}`)
    },
    async listVolumes() {
      const r = await restCall(ep, 'GET', '/volumes/detail')
      return (r.body as { volumes: Json[] }).volumes.map(volumeFrom)
    },
    async createVolume(input) {
      const r = await restCall(ep, 'POST', '/volumes', {
        body: {
          volume: {
            size: input.size,
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
            ...(input.imageRef !== undefined ? { imageRef: input.imageRef } : {}),
            ...(input.snapshotId !== undefined ? { snapshot_id: input.snapshotId } : {}),
            ...(input.sourceVolid !== undefined ? { source_volid: input.sourceVolid } : {}),
            ...(input.availabilityZone !== undefined
              ? { availability_zone: input.availabilityZone }
              : {}),
            ...(input.volumeType !== undefined ? { volume_type: input.volumeType } : {}),
          },
        },
      })
      return volumeFrom((r.body as { volume: Json }).volume)
    },
    async deleteVolume(id) {
      await restCall(ep, 'DELETE', vol(id), { allow: [404] })
    },
    extendVolume: (id, newSize) => action(id, { 'os-extend': { new_size: newSize } }),
    reserve: (id) => action(id, { 'os-reserve': null }),
    unreserve: (id) => action(id, { 'os-unreserve': null }),
    async initializeConnection(id, connector) {
      const r = await restCall(ep, 'POST', `${vol(id)}/action`, {
        body: { 'os-initialize_connection': { connector } },
      })
      return (r.body as { connection_info: ConnectionInfo }).connection_info
    },
    attach: (id, input) =>
      action(id, {
        'os-attach': {
          instance_uuid: input.instanceUuid,
          mountpoint: input.mountpoint,
          ...(input.hostName !== undefined ? { host_name: input.hostName } : {}),
          mode: input.mode ?? 'rw',
        },
      }),
    beginDetaching: (id) => action(id, { 'os-begin_detaching': null }),
    rollDetaching: (id) => action(id, { 'os-roll_detaching': null }),
    terminateConnection: (id, connector) =>
      action(id, { 'os-terminate_connection': { connector } }),
    detach: (id, attachmentId) =>
      action(id, { 'os-detach': attachmentId ? { attachment_id: attachmentId } : {} }),
    async createAttachment(input) {
      const r = await restCall(ep, 'POST', '/attachments', {
        body: {
          attachment: {
            volume_uuid: input.volumeId,
            instance_uuid: input.instanceUuid,
            ...(input.connector ? { connector: input.connector } : {}),
            ...(input.mode ? { mode: input.mode } : {}),
          },
        },
      })
      return attachmentFrom((r.body as { attachment: Json }).attachment)
    },
    async updateAttachment(id, connector) {
      const r = await restCall(ep, 'PUT', `/attachments/${encodeURIComponent(id)}`, {
        body: { attachment: { connector } },
      })
      return attachmentFrom((r.body as { attachment: Json }).attachment)
    },
    async completeAttachment(id) {
      await restCall(ep, 'POST', `/attachments/${encodeURIComponent(id)}/action`, {
        body: { 'os-complete': null },
      })
    },
    async deleteAttachment(id) {
      await restCall(ep, 'DELETE', `/attachments/${encodeURIComponent(id)}`, { allow: [404] })
    },
  }
}
