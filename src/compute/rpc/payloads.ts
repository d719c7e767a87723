/** @module compute/rpc/payloads: the JSON messages of the compute RPC APIs, and their checks */
import { MalformedMessageError } from '../../core/bus/index.js'
import type { GuestSize, GuestSpec, GuestVif } from '../virt/compute-driver.js'
import type { Instance, TaskState, VmState } from '../model/instance.js'
import { POWER_ACTIONS, type PowerAction } from './contracts.js'

/** Who asked, so agents can record events on the right instance action. */
export interface RequestRef {
  requestId: string
}

export interface BuildRequest extends RequestRef {
  spec: GuestSpec
  /** Ports whose network-vif-plugged event the build waits for, and how long (Nova's vif plugging). */
  vifWait?: { ports: string[]; timeoutSeconds: number; fatal: boolean }
}

export const EXTERNAL_EVENT_NAMES = [
  'network-changed',
  'network-vif-plugged',
  'network-vif-unplugged',
  'network-vif-deleted',
  'volume-extended',
  'power-update',
  'accelerator-request-bound',
] as const
export type ExternalEventName = (typeof EXTERNAL_EVENT_NAMES)[number]

/** An event another service reported about a server (`os-server-external-events`). */
export interface ExternalEvent {
  uuid: string
  name: ExternalEventName
  /** The port id for network events. */
  tag: string | null
  status: 'completed' | 'failed' | 'in-progress'
}

export interface PowerRequest extends RequestRef {
  uuid: string
  action: PowerAction
}

export interface RebuildRequest extends RequestRef {
  spec: GuestSpec
  /** The server was stopped: it ends stopped again (Nova rebuilds a SHUTOFF server to SHUTOFF). */
  stopAfter?: boolean
  /** An evacuation: its migration record is finished with the rebuild. */
  migrationId?: string
  /** An evacuation: the ports bound on the new host whose plugging is awaited. */
  vifWait?: VifWait
}

/** One step of a cold migration between two hosts. */
export interface MigrateRequest extends RequestRef {
  uuid: string
  migrationId: string
  sourceHost: string
  destHost: string
  /** The guest to create on the destination (with the new flavor's size). */
  spec: GuestSpec
  /** The server was stopped: the moved guest stays off. */
  stopped: boolean
  /** A live migration of a paused server: the guest stays paused. */
  paused?: boolean
}

/** A cold resize/migration (`kind`), to a given host when `host` is set. */
export interface ResizeInstanceRequest extends RequestRef {
  uuid: string
  kind?: 'resize' | 'migration'
  host?: string | null
}

export interface EvacuateRequest extends RequestRef {
  uuid: string
  migrationId: string
  host?: string | null
}

/** A moving server's guest now lives on `host`. */
export interface InstanceMovedRequest {
  uuid: string
  host: string
  taskState: TaskState | null
}

export interface ResizeRequest extends RequestRef {
  uuid: string
  size: GuestSize
  /** `resize` on the way to VERIFY_RESIZE, `revert` back to the old size. */
  phase: 'resize' | 'revert'
  /** The resize's migration record, moved on with the server. */
  migrationId?: string
}

export interface SnapshotRequest extends RequestRef {
  uuid: string
  imageId: string
}

export interface ShelveRequest extends RequestRef {
  uuid: string
  /** The image the snapshot is uploaded to. */
  imageId: string
  /** Destroy the guest once shelved (shelved_offload_time 0). */
  offload: boolean
}

export interface UnshelveRequest extends RequestRef {
  uuid: string
  /** The guest was offloaded: spawn it from `spec` (whose image is the shelved snapshot). */
  spawn: boolean
  spec?: GuestSpec
  /** The shelved snapshot, deleted once the server is back. */
  imageId?: string
  /** After an offload: the ports bound on this host whose plugging is awaited. */
  vifWait?: VifWait
}

export interface TerminateRequest extends RequestRef {
  uuid: string
}

/** A volume to plug into or unplug from a server's guest; block storage is called in `projectId`. */
export interface VolumeRequest extends RequestRef {
  uuid: string
  projectId: string
  bdmUuid: string
  volumeId: string
  attachmentId: string
  device: string
}

/** A bound port to hot-plug into a server's guest, and how long to wait for it to be plugged. */
export interface InterfaceAttachRequest extends RequestRef {
  uuid: string
  vif: GuestVif
  vifWait: VifWait
}

/** A port to unplug from a server's guest. */
export interface InterfaceDetachRequest extends RequestRef {
  uuid: string
  portId: string
}

/** A volume mapping that left its server: deleted if it still holds `attachmentId`. */
export interface BlockDeviceGone {
  uuid: string
  bdmUuid: string
  attachmentId: string
}

/** A state change an agent reports; applied only if the task state still matches. */
export interface InstanceUpdateRequest {
  uuid: string
  changes: {
    vmState?: VmState
    taskState?: TaskState | null
    powerState?: number
    launchedAt?: 'now'
    progress?: number
    newFlavorToCurrent?: boolean
    oldFlavorToCurrent?: boolean
    /** The server is back from a shelve: forget its shelved snapshot. */
    clearShelvedImage?: boolean
  }
  /**
   * A migration record to move on together with the server; with `expect`, only while its
   * status is one of those (else nothing changes: the migration was aborted meanwhile).
   */
  migration?: { uuid: string; status: string; expect?: string[] }
  expectTaskState?: (TaskState | null)[]
  /** The move failed: the server's allocation is the migration's again (the source's). */
  revertClaims?: boolean
  /** Why the operation failed, recorded as the server's fault. */
  fault?: { message: string; details: string }
}

/** What a restarted host does with guests of servers whose move it was part of. */
export interface MoveRecovery {
  /** `keep`: the guest stays though its server is elsewhere (VERIFY_RESIZE's source); `start`: power it on. */
  guests: { uuid: string; guest: 'keep' | 'start' }[]
}

/** The ports a moved server waits for (network-vif-plugged on the new host), and how long. */
export interface InstanceMovedResult {
  uuid: string
  vifWait: VifWait
}

/** Nova's vif plugging: the ports whose network-vif-plugged event is awaited, for how long. */
export interface VifWait {
  ports: string[]
  timeoutSeconds: number
  fatal: boolean
}

export interface ActionEventRequest extends RequestRef {
  uuid: string
  event: string
  phase: 'start' | 'finish'
  result?: 'Success' | 'Error'
  traceback?: string
  host: string
}

export interface BuildFailure extends RequestRef {
  uuid: string
  host: string
  message: string
  details: string
  /** The failure is not the host's: give up without trying another one. */
  abort?: boolean
}

export interface SelectDestinationRequest {
  instance: Pick<Instance, 'uuid' | 'projectId' | 'userId' | 'availabilityZone' | 'flavor'>
  excludeHosts: string[]
  groupId: string | null
  /** Claim under this consumer instead of the instance (resizes keep the old claim apart). */
  allowHosts?: string[]
}

export interface SelectedDestination {
  host: string
  node: string
  providerUuid: string
}

function object(value: unknown, method: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedMessageError('compute', method, 'expected an object')
  }
  return value as Record<string, unknown>
}

function requireStrings(o: Record<string, unknown>, method: string, keys: readonly string[]) {
  for (const key of keys) {
    if (typeof o[key] !== 'string') {
      throw new MalformedMessageError('compute', method, `${key} must be a string`)
    }
  }
}

/** Checks a message has the given string fields, and returns it typed. */
export function payload<T>(value: unknown, method: string, keys: readonly string[]): T {
  const o = object(value, method)
  requireStrings(o, method, keys)
  return o as T
}

export function powerRequest(value: unknown): PowerRequest {
  const p = payload<PowerRequest>(value, 'powerAction', ['uuid', 'requestId', 'action'])
  if (!(POWER_ACTIONS as readonly string[]).includes(p.action)) {
    throw new MalformedMessageError('compute', 'powerAction', `unknown action ${p.action}`)
  }
  return p
}

export function guestSpecRequest(value: unknown, method: string): BuildRequest {
  const p = payload<BuildRequest>(value, method, ['requestId'])
  requireStrings(object(p.spec, method), method, ['uuid', 'name', 'imageId'])
  return p
}

export function interfaceAttachRequest(value: unknown): InterfaceAttachRequest {
  const p = payload<InterfaceAttachRequest>(value, 'attachInterface', ['uuid', 'requestId'])
  const vif = object(p.vif, 'attachInterface')
  requireStrings(vif, 'attachInterface', ['portId', 'networkId', 'macAddress'])
  if (!Array.isArray(vif['fixedIps'])) {
    throw new MalformedMessageError('compute', 'attachInterface', 'vif.fixedIps must be a list')
  }
  const wait = object(p.vifWait, 'attachInterface')
  if (!Array.isArray(wait['ports']) || typeof wait['timeoutSeconds'] !== 'number') {
    throw new MalformedMessageError('compute', 'attachInterface', 'vifWait is malformed')
  }
  return p
}
