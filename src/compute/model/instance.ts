/** @module compute/model/instance: a server as every compute layer sees it, and its states */

export const VM_STATES = [
  'building',
  'active',
  'stopped',
  'paused',
  'suspended',
  'resized',
  'error',
  'deleted',
  'soft-delete',
  'rescued',
  'shelved',
  'shelved_offloaded',
] as const
export type VmState = (typeof VM_STATES)[number]

export const TASK_STATES = [
  'scheduling',
  'networking',
  'block_device_mapping',
  'spawning',
  'rebooting',
  'reboot_pending',
  'reboot_started',
  'rebooting_hard',
  'reboot_pending_hard',
  'reboot_started_hard',
  'powering-off',
  'powering-on',
  'pausing',
  'unpausing',
  'suspending',
  'resuming',
  'rebuilding',
  'rebuild_spawning',
  'resize_prep',
  'resize_migrating',
  'resize_migrated',
  'resize_finish',
  'resize_reverting',
  'resize_confirming',
  'image_snapshot',
  'image_snapshot_pending',
  'image_pending_upload',
  'image_uploading',
  'shelving',
  'shelving_image_pending_upload',
  'shelving_image_uploading',
  'shelving_offloading',
  'unshelving',
  'migrating',
  'deleting',
] as const
export type TaskState = (typeof TASK_STATES)[number]

/** The flavor a server was built with, copied into it (Nova's embedded flavor). */
export interface FlavorSnapshot {
  flavorid: string
  name: string
  vcpus: number
  memoryMb: number
  rootGb: number
  ephemeralGb: number
  swap: number
  extraSpecs: Record<string, string>
}

/** One of a server's interfaces, as built. */
export interface Vif {
  portId: string
  networkId: string
  networkName: string
  macAddress: string
  ips: { address: string; version: 4 | 6 }[]
  /** Whether the compute service created the port (and so deletes it). */
  created: boolean
  /** Whether the port was ACTIVE when the server got it (else its build waits for it). */
  active?: boolean
  /** The tag an interface attach gave it (os-interface `tag`, 2.49). */
  tag?: string | null
}

/** What the create asked for, kept for rescheduling and rebuilding. */
export interface RequestSpec {
  networks: 'auto' | 'none' | { uuid?: string; port?: string; fixedIp?: string }[]
  securityGroups: string[]
  groupId: string | null
  /** Hosts already tried for this build. */
  triedHosts: string[]
  attempts: number
  /** Consumer holding the old flavor's allocation during a resize. */
  migrationId?: string
  /** The snapshot a shelve made (image-backed servers), until unshelve or delete. */
  shelvedImageId?: string
  /** The names of the groups on the server's ports after an add or remove; the view shows these. */
  appliedSecurityGroups?: string[]
  /** `OS-DCF:diskConfig` as asked: AUTO (grow the root partition) or MANUAL. */
  diskConfig?: 'AUTO' | 'MANUAL'
  /** The host an admin named in `availability_zone` (`zone:host`); the scheduler keeps to it. */
  forcedHost?: string
  /**
   * The blank local disks the create's mappings asked for (source `blank`, destination `local`):
   * ephemeral disks instead of the flavor's one, and the swap disk's size instead of the flavor's.
   */
  localDisks?: LocalDiskRequest
}

/** Blank local disks of a server, as its create's mappings asked for them. */
export interface LocalDiskRequest {
  ephemerals?: { sizeGb: number; guestFormat?: string }[]
  swapMb?: number
}

/** A server. */
export interface Instance {
  uuid: string
  projectId: string
  userId: string
  name: string
  description: string | null
  hostname: string
  vmState: VmState
  taskState: TaskState | null
  powerState: number
  host: string | null
  node: string | null
  availabilityZone: string | null
  flavor: FlavorSnapshot
  oldFlavor: FlavorSnapshot | null
  newFlavor: FlavorSnapshot | null
  imageRef: string
  keyName: string | null
  keyData: string | null
  userData: string | null
  lockedBy: 'owner' | 'admin' | null
  lockedReason: string | null
  launchedAt: string | null
  terminatedAt: string | null
  createdAt: string
  updatedAt: string
  deletedAt: string | null
  deleted: boolean
  reservationId: string
  launchIndex: number
  accessIpv4: string | null
  accessIpv6: string | null
  progress: number
  configDrive: string
  networkInfo: Vif[]
  requestSpec: RequestSpec
}

/** The error a failed operation leaves on a server. */
export interface InstanceFault {
  code: number
  message: string
  details: string
  createdAt: string
}

/** The API's `status` for a server's states, as Nova derives it. */
export function serverStatus(vm: VmState, task: TaskState | null): string {
  switch (vm) {
    case 'building':
      return 'BUILD'
    case 'active':
      return activeStatus(task)
    case 'stopped':
      if (task === 'rebuilding' || task === 'rebuild_spawning') return 'REBUILD'
      if (task?.startsWith('resize_')) return 'RESIZE'
      return 'SHUTOFF'
    case 'resized':
      return task === 'resize_reverting' ? 'REVERT_RESIZE' : 'VERIFY_RESIZE'
    case 'paused':
      return task === 'migrating' ? 'MIGRATING' : 'PAUSED'
    case 'suspended':
      return 'SUSPENDED'
    case 'error':
      return 'ERROR'
    case 'deleted':
      return 'DELETED'
    case 'soft-delete':
      return 'SOFT_DELETED'
    case 'rescued':
      return 'RESCUE'
    case 'shelved':
      return 'SHELVED'
    case 'shelved_offloaded':
      return 'SHELVED_OFFLOADED'
  }
}

function activeStatus(task: TaskState | null): string {
  if (task === null) return 'ACTIVE'
  if (task.startsWith('reboot')) return task.includes('hard') ? 'HARD_REBOOT' : 'REBOOT'
  if (task === 'rebuilding' || task === 'rebuild_spawning') return 'REBUILD'
  if (task.startsWith('resize_') && task !== 'resize_confirming') return 'RESIZE'
  if (task === 'migrating') return 'MIGRATING'
  return 'ACTIVE'
}

/** The vm_states a `status` list filter means. */
export function vmStatesForStatus(status: string): VmState[] {
  const map: Record<string, VmState[]> = {
    BUILD: ['building'],
    ACTIVE: ['active'],
    SHUTOFF: ['stopped'],
    PAUSED: ['paused'],
    SUSPENDED: ['suspended'],
    VERIFY_RESIZE: ['resized'],
    ERROR: ['error'],
    DELETED: ['deleted'],
    SOFT_DELETED: ['soft-delete'],
    RESCUE: ['rescued'],
    SHELVED: ['shelved'],
    SHELVED_OFFLOADED: ['shelved_offloaded'],
    REBOOT: ['active'],
    HARD_REBOOT: ['active'],
    REBUILD: ['active', 'stopped'],
    RESIZE: ['active', 'stopped'],
    MIGRATING: ['active', 'paused'],
  }
  return map[status.toUpperCase()] ?? []
}
