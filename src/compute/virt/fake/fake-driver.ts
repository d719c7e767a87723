/** @module compute/virt/fake/fake-driver: an in-memory compute driver with real state transitions */
import { Readable } from 'node:stream'
import {
  POWER_STATE,
  type ComputeDriver,
  type DriverCapabilities,
  type GuestSize,
  type GuestSpec,
  type GuestSnapshot,
  type SpawnHooks,
  type GuestVif,
  type GuestVolume,
  type HostResources,
  type PowerState,
} from '../compute-driver.js'

interface FakeGuest {
  spec: GuestSpec
  power: PowerState
  console: string[]
  /** Plugged volumes by id, as the guest's disk devices. */
  volumes: Map<string, GuestVolume>
}

/** Settings of a fake host. */
export interface FakeDriverOptions {
  vcpus?: number
  memoryMb?: number
  diskGb?: number
  /** Milliseconds every spawn takes. */
  spawnDelayMs?: number
  /** Capabilities to turn off (tests play a driver that cannot do some actions). */
  capabilities?: Partial<DriverCapabilities>
  /** The formats the fake's snapshots say they have; default raw and bare. */
  snapshotFormats?: { diskFormat: string; containerFormat: string }
  /** Returns an error to make a spawn fail (tests inject build failures with it). */
  failSpawn?: (spec: GuestSpec, host: string) => Error | undefined
  /** Returns an error to make an interface hotplug fail (tests inject attach failures with it). */
  failInterfaceAttach?: (uuid: string, vif: GuestVif) => Error | undefined
}

/** Thrown by the fake for an operation on a guest that does not exist or is in the wrong state. */
export class FakeGuestStateError extends Error {
  constructor(message: string) {
    super(message)
  }
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'))
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(new Error('aborted'))
    })
  })
}

/** What a small Linux guest prints while it boots, so consoles look like a real one's. */
function bootLog(name: string, host: string): string[] {
  return [
    `[    0.000000] Linux version 6.1.0 (fake guest ${name} on ${host})`,
    '[    0.000000] Command line: console=ttyS0',
    '[    0.010000] Memory: available',
    '[    0.020000] CPU: fake vCPU',
    '[    0.100000] virtio_net virtio0: registered',
    '[    0.200000] EXT4-fs (vda1): mounted filesystem',
    'Starting network...',
    'udhcpc: lease obtained',
    'Starting dropbear sshd: OK',
    'checking http://169.254.169.254/2009-04-04/instance-id',
    `=== hostname: ${name} ===`,
    '',
    `${name} login: `,
  ]
}

/** An in-memory driver: guests are records whose power states move as a hypervisor's would. */
export class FakeDriver implements ComputeDriver {
  readonly name = 'fake'
  readonly capabilities: Readonly<DriverCapabilities>
  private readonly guests = new Map<string, FakeGuest>()
  private host = ''

  constructor(private readonly options: FakeDriverOptions = {}) {
    this.capabilities = Object.freeze({
      pause: true,
      suspend: true,
      snapshot: true,
      resize: true,
      consoleOutput: true,
      volumeAttach: true,
      interfaceAttach: true,
      ...options.capabilities,
    })
  }

  async init(host: string): Promise<void> {
    this.host = host
  }

  async hostResources(): Promise<HostResources> {
    return {
      vcpus: this.options.vcpus ?? 16,
      memoryMb: this.options.memoryMb ?? 65536,
      diskGb: this.options.diskGb ?? 1000,
      hypervisorType: 'fake',
      hypervisorVersion: 1000,
    }
  }

  async listGuests(): Promise<string[]> {
    return [...this.guests.keys()]
  }

  async spawn(spec: GuestSpec, signal?: AbortSignal, hooks?: SpawnHooks): Promise<void> {
    if (this.guests.has(spec.uuid)) throw new FakeGuestStateError(`guest ${spec.uuid} exists`)
    if (this.options.spawnDelayMs) await wait(this.options.spawnDelayMs, signal)
    const failure = this.options.failSpawn?.(spec, this.host)
    if (failure) throw failure
    await hooks?.networkReady?.()
    signal?.throwIfAborted()
    if (this.guests.has(spec.uuid)) throw new FakeGuestStateError(`guest ${spec.uuid} exists`)
    this.guests.set(spec.uuid, {
      spec,
      power: POWER_STATE.running,
      console: bootLog(spec.name, this.host),
      volumes: new Map((spec.volumes ?? []).map((v) => [v.volumeId, v])),
    })
  }

  async destroy(uuid: string): Promise<void> {
    this.guests.delete(uuid)
  }

  async powerState(uuid: string): Promise<PowerState> {
    return this.guests.get(uuid)?.power ?? POWER_STATE.nostate
  }

  private guest(uuid: string, allowed?: readonly PowerState[]): FakeGuest {
    const guest = this.guests.get(uuid)
    if (!guest) throw new FakeGuestStateError(`guest ${uuid} does not exist`)
    if (allowed && !allowed.includes(guest.power)) {
      throw new FakeGuestStateError(`guest ${uuid} is in power state ${guest.power}`)
    }
    return guest
  }

  async reboot(uuid: string, type: 'soft' | 'hard'): Promise<void> {
    const guest = this.guest(uuid)
    guest.console.push(`${type} reboot`, 'login: ')
    guest.power = POWER_STATE.running
  }

  async powerOff(uuid: string): Promise<void> {
    const guest = this.guest(uuid)
    guest.console.push('reached target power-off')
    guest.power = POWER_STATE.shutdown
  }

  async powerOn(uuid: string): Promise<void> {
    const guest = this.guest(uuid)
    if (guest.power !== POWER_STATE.running) guest.console.push('booting', 'login: ')
    guest.power = POWER_STATE.running
  }

  async pause(uuid: string): Promise<void> {
    this.guest(uuid, [POWER_STATE.running]).power = POWER_STATE.paused
  }

  async unpause(uuid: string): Promise<void> {
    this.guest(uuid, [POWER_STATE.paused]).power = POWER_STATE.running
  }

  async suspend(uuid: string): Promise<void> {
    this.guest(uuid, [POWER_STATE.running]).power = POWER_STATE.suspended
  }

  async resume(uuid: string): Promise<void> {
    this.guest(uuid, [POWER_STATE.suspended]).power = POWER_STATE.running
  }

  async snapshot(uuid: string): Promise<GuestSnapshot> {
    const guest = this.guest(uuid)
    const bytes = Buffer.from(`fake disk of ${guest.spec.uuid} from image ${guest.spec.imageId}\n`)
    return {
      data: Readable.from([bytes]),
      size: bytes.length,
      ...(this.options.snapshotFormats ?? { diskFormat: 'raw', containerFormat: 'bare' }),
      release: async () => undefined,
    }
  }

  async resize(uuid: string, size: GuestSize): Promise<void> {
    const guest = this.guest(uuid)
    guest.spec = { ...guest.spec, ...size }
  }

  async consoleOutput(uuid: string): Promise<string> {
    return `${this.guest(uuid).console.join('\n')}\n`
  }

  async attachVolume(uuid: string, volume: GuestVolume): Promise<void> {
    const guest = this.guest(uuid)
    const taken = [...guest.volumes.values()].find(
      (v) => v.device === volume.device && v.volumeId !== volume.volumeId,
    )
    if (taken) {
      throw new FakeGuestStateError(
        `device ${volume.device} of guest ${uuid} holds ${taken.volumeId}`,
      )
    }
    guest.volumes.set(volume.volumeId, volume)
    guest.console.push(`virtio_blk: [${volume.device.replace('/dev/', '')}] attached`)
  }

  async detachVolume(uuid: string, volumeId: string): Promise<void> {
    const guest = this.guests.get(uuid)
    const volume = guest?.volumes.get(volumeId)
    if (!guest || !volume) return
    guest.volumes.delete(volumeId)
    guest.console.push(`virtio_blk: [${volume.device.replace('/dev/', '')}] detached`)
  }

  async attachInterface(uuid: string, vif: GuestVif): Promise<void> {
    const guest = this.guest(uuid)
    if (!this.capabilities.interfaceAttach) {
      throw new FakeGuestStateError(`this fake host cannot hot-plug interfaces`)
    }
    if (guest.spec.vifs.some((v) => v.portId === vif.portId)) return
    const failure = this.options.failInterfaceAttach?.(uuid, vif)
    if (failure) throw failure
    guest.spec = { ...guest.spec, vifs: [...guest.spec.vifs, vif] }
    guest.console.push(`virtio_net: ${vif.macAddress} attached`)
  }

  async detachInterface(uuid: string, portId: string): Promise<void> {
    const guest = this.guests.get(uuid)
    const vif = guest?.spec.vifs.find((v) => v.portId === portId)
    if (!guest || !vif) return
    if (!this.capabilities.interfaceAttach) {
      throw new FakeGuestStateError(`this fake host cannot hot-plug interfaces`)
    }
    guest.spec = { ...guest.spec, vifs: guest.spec.vifs.filter((v) => v.portId !== portId) }
    guest.console.push(`virtio_net: ${vif.macAddress} detached`)
  }

  /** The interfaces a guest has, spawned with and plugged since (tests). */
  vifsOf(uuid: string): GuestVif[] {
    return [...(this.guests.get(uuid)?.spec.vifs ?? [])]
  }

  /** The volumes a guest has plugged, in device order (tests). */
  volumesOf(uuid: string): GuestVolume[] {
    const volumes = [...(this.guests.get(uuid)?.volumes.values() ?? [])]
    return volumes.sort((a, b) => a.device.localeCompare(b.device))
  }

  /** The spec a guest was spawned with, as resized since (tests). */
  specOf(uuid: string): GuestSpec | undefined {
    return this.guests.get(uuid)?.spec
  }

  /** The size a guest has now (tests). */
  sizeOf(uuid: string): GuestSize | undefined {
    const spec = this.guests.get(uuid)?.spec
    return spec && { vcpus: spec.vcpus, memoryMb: spec.memoryMb, rootGb: spec.rootGb }
  }
}
