/** @module compute/virt/compute-driver: the contract every compute driver implements */
import type { Readable } from 'node:stream'

/** Nova's power states, as numbers on the wire (`OS-EXT-STS:power_state`). */
export const POWER_STATE = {
  nostate: 0,
  running: 1,
  paused: 3,
  shutdown: 4,
  crashed: 6,
  suspended: 7,
} as const
export type PowerState = (typeof POWER_STATE)[keyof typeof POWER_STATE]

/** One virtual interface of a guest: a port the network service created and bound. */
export interface GuestVif {
  portId: string
  networkId: string
  macAddress: string
  fixedIps: readonly string[]
}

/**
 * How a compute host reaches a volume, as block storage's connection info gives it
 * (`driver_volume_type` `file`: `data.path` and `data.format`; a remote export adds its own type).
 */
export interface VolumeConnection {
  driver_volume_type: string
  data: Record<string, unknown>
}

/** A volume given to a guest: at spawn (boot from volume, or attached before) or hot-plugged later. */
export interface GuestVolume {
  volumeId: string
  /** The device name the guest sees, as Nova reports it: `/dev/vda` for a boot volume, `/dev/vdb`... */
  device: string
  connection: VolumeConnection
  /** 0 for the volume the guest boots from; null for a data volume. */
  bootIndex: number | null
  readOnly: boolean
}

/** A file of a config drive; the data is base64, as the spec crosses the bus as JSON. */
export interface ConfigDriveEntry {
  path: string
  dataBase64: string
}

/**
 * A local disk beyond the root that lives and dies with the guest (Nova's `disk.local` and
 * `disk.eph<N>`): blank, made with a filesystem where the host can make one.
 */
export interface GuestEphemeral {
  sizeGb: number
  /** The filesystem to make on it (`ext4`, `vfat`...); the driver's default when absent. */
  guestFormat?: string
}

/** Everything a driver needs to create a guest. */
export interface GuestSpec {
  uuid: string
  name: string
  vcpus: number
  memoryMb: number
  rootGb: number
  /** The image of the root disk; empty when the guest boots from a volume (`bootIndex` 0). */
  imageId: string
  vifs: readonly GuestVif[]
  userData?: string
  keyData?: string
  /**
   * A config drive: the driver gives the guest these files on a read-only ISO 9660 disk labelled
   * `config-2` (or says in its log why it cannot). Paths are relative to the drive's root.
   */
  configDrive?: { files: readonly ConfigDriveEntry[] }
  /** Volumes the guest has from its start, the boot volume first. */
  volumes?: readonly GuestVolume[]
  /**
   * The flavor's ephemeral disk in GB (`OS-FLV-EXT-DATA:ephemeral`), which the guest sees right
   * after the root disk (`vdb`); unused when `ephemerals` is given, none when absent or 0.
   */
  ephemeralGb?: number
  /** Ephemeral disks of blank local mappings, in this order after the root disk, instead. */
  ephemerals?: readonly GuestEphemeral[]
  /** The swap disk's size in MB, after the ephemeral disks; none when absent or 0. */
  swapMb?: number
  /**
   * When the guest boots from a volume: the boot volume's `volume_image_metadata` (the source
   * image's id and properties, such as `image_id`, `kernel_id`, `ramdisk_id`, `os_command_line`),
   * which say how to boot it as the image itself would have been.
   */
  volumeImageMetadata?: Readonly<Record<string, string>>
}

/** A guest's root disk at one instant, read once for its upload. */
export interface GuestSnapshot {
  /** The image's bytes, read as they are sent: never held in memory whole. */
  data: Readable
  /** Its length in bytes. */
  size: number
  /** The image's `disk_format` (`qcow2`, `raw`) and `container_format` (`bare`, `docker`). */
  diskFormat: string
  containerFormat: string
  /** Removes what the snapshot left on the host; called once the upload ended, however it ended. */
  release(): Promise<void>
}

/** What the agent asks of a spawn while it runs. */
export interface SpawnHooks {
  /**
   * Called once the guest's interfaces exist on the host and before the guest runs, as Nova
   * waits for `network-vif-plugged` before it starts a guest: the driver starts the guest only
   * after this resolves, so its first DHCP request finds its port already bridged. A rejection
   * fails the spawn (which then leaves no guest behind).
   */
  networkReady?: () => Promise<void>
}

/** The size of a guest after a resize. */
export interface GuestSize {
  vcpus: number
  memoryMb: number
  rootGb: number
  /**
   * The new flavor's ephemeral GB: a guest with the flavor's one ephemeral disk gets it grown (never
   * shrunk), a guest without one gets one; ephemeral disks from mappings keep their sizes.
   */
  ephemeralGb?: number
  /** The new flavor's swap MB: the swap disk is made again at this size (none when 0). */
  swapMb?: number
}

/** What a host offers, as the resource tracker reports it to placement. */
export interface HostResources {
  vcpus: number
  memoryMb: number
  diskGb: number
  hypervisorType: string
  hypervisorVersion: number
}

/** Optional features; an agent refuses an action whose flag is false. */
export interface DriverCapabilities {
  pause: boolean
  suspend: boolean
  snapshot: boolean
  resize: boolean
  consoleOutput: boolean
  /** Volumes can be hot-plugged into a guest and booted from (`attachVolume`, `GuestSpec.volumes`). */
  volumeAttach: boolean
  /** Interfaces can be hot-plugged into and out of a guest (`attachInterface`, `detachInterface`). */
  interfaceAttach: boolean
}

/**
 * A compute driver owns the guests of one host. Every method is called by the compute agent
 * only, one call at a time per guest (the agent serializes per instance). Methods must be
 * idempotent where noted, and must never leave a partial guest behind when they fail.
 */
export interface ComputeDriver {
  readonly name: string
  readonly capabilities: Readonly<DriverCapabilities>

  /** Prepares the host (Nova's init_host). Called once before any other method. */
  init(host: string): Promise<void>

  /** The host's total capacity. Must not count what guests use: placement does. */
  hostResources(): Promise<HostResources>

  /** Ids of the guests that exist on the host, in any power state. */
  listGuests(): Promise<string[]>

  /**
   * Creates and starts a guest. On success the guest runs. On failure it must throw and leave no
   * guest behind. Must throw if a guest with this uuid exists. Honours `signal`. Calls
   * `hooks.networkReady` (when given) once, after plugging the guest's interfaces and before
   * starting it.
   */
  spawn(spec: GuestSpec, signal?: AbortSignal, hooks?: SpawnHooks): Promise<void>

  /** Stops and removes a guest and its disks. Idempotent: an unknown uuid is not an error. */
  destroy(uuid: string): Promise<void>

  /** The guest's power state; `nostate` for an unknown uuid. Never throws for an unknown guest. */
  powerState(uuid: string): Promise<PowerState>

  /** Restarts a running guest: `soft` asks the guest, `hard` resets it. Starts a stopped one. */
  reboot(uuid: string, type: 'soft' | 'hard'): Promise<void>

  /** Stops a guest. Idempotent on a stopped guest. */
  powerOff(uuid: string): Promise<void>

  /** Starts a stopped guest. Idempotent on a running guest. */
  powerOn(uuid: string): Promise<void>

  /** Freezes a running guest in memory (requires `capabilities.pause`). */
  pause(uuid: string): Promise<void>
  unpause(uuid: string): Promise<void>

  /** Saves a running guest's memory to disk and stops it (requires `capabilities.suspend`). */
  suspend(uuid: string): Promise<void>
  resume(uuid: string): Promise<void>

  /**
   * Returns the guest's root disk contents for an image upload, consistent at one instant
   * (requires `capabilities.snapshot`). The guest keeps its power state.
   */
  snapshot(uuid: string): Promise<GuestSnapshot>

  /** Changes the guest's size; the guest ends stopped if it was stopped, else running. */
  resize(uuid: string, size: GuestSize): Promise<void>

  /** The guest's console log so far (requires `capabilities.consoleOutput`). */
  consoleOutput(uuid: string): Promise<string>

  /**
   * Plugs a volume into a guest, running or stopped (requires `capabilities.volumeAttach`); a stopped
   * guest gets it at its next start. Idempotent for a volume already attached at the same device.
   */
  attachVolume(uuid: string, volume: GuestVolume): Promise<void>

  /** Unplugs a volume from a guest (requires `capabilities.volumeAttach`). Idempotent. */
  detachVolume(uuid: string, volumeId: string): Promise<void>

  /**
   * Plugs a port's interface into a guest, running or stopped (requires
   * `capabilities.interfaceAttach`): a running guest sees a new NIC with the port's MAC at once, a
   * stopped one at its next start, and every later start, move or host restart keeps it. On
   * failure it must throw and leave the guest as it was. Idempotent for a port already plugged.
   */
  attachInterface(uuid: string, vif: GuestVif): Promise<void>

  /**
   * Unplugs a port's interface from a guest and forgets it (requires
   * `capabilities.interfaceAttach`). Idempotent: a port the guest does not have is not an error.
   */
  detachInterface(uuid: string, portId: string): Promise<void>
}
