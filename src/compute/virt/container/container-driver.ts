/** @module compute/virt/container/container-driver: guests as runc containers on an overlay of a docker-format image */
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { deleteLink, hostLinkMtu, setLink, setLinksUp } from '../../../core/sys/ip-link.js'
import { createNetnsWithVeths, deleteNetns, type NetnsVeth } from '../../../core/sys/netns.js'
import { isMounted, mountOverlay, unmount } from '../../../core/sys/overlay-mount.js'
import { Runc } from '../../../core/sys/runc.js'
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
import type { ContainerImageSource } from './container-image-source.js'
import { writeDockerArchive } from './docker-archive.js'
import { fileSnapshot } from '../file-snapshot.js'
import { LayerStore } from './layer-store.js'
import { containerConfig } from './oci-config.js'

/** What the container driver is built with. */
export interface ContainerDriverSettings {
  /** Guests, unpacked images and runc's state live under `<dataDir>/container`. */
  dataDir: string
  images: ContainerImageSource
  /** How long a clean stop or soft reboot waits (SIGTERM) before SIGKILL; default 10 s. */
  shutdownTimeoutMs?: number
  /** MTU of a guest interface whose network's bridge does not exist yet; default 1500. */
  defaultMtu?: number
  runc?: string
  log?: (level: 'info' | 'warn', message: string) => void
}

/** An operation this driver cannot do; the message says why. */
export class ContainerUnsupportedError extends Error {
  constructor(operation: string, reason: string) {
    super(`the container compute driver cannot ${operation}: ${reason}`)
    this.name = 'ContainerUnsupportedError'
  }
}

/**
 * What the driver cannot do, with the reason given to the user. The conductor and API read
 * {@link ContainerDriver.capabilities}; operations outside the contract (volumes) are listed too.
 */
export const CONTAINER_UNSUPPORTED = {
  suspend: 'a container has no memory image that could be saved to disk and restored',
  'attach a block device volume': 'a container sees files, not disks',
  'resize a root disk': 'a container root is an overlay on the host with no size of its own',
  'boot from a volume': 'a container root is an unpacked docker-format image',
  'hot-plug a network interface':
    "this driver wires a container's interfaces into its network namespace only when it spawns it",
} as const

/** The host end of a port's veth, named as the L2 agent expects a tap. */
export function hostIfnameOf(portId: string): string {
  return `tap${portId.slice(0, 11)}`
}

function bridgeNameOf(networkId: string): string {
  return `brq${networkId.slice(0, 11)}`
}

const GUEST_ID = /^[\w][\w.-]{0,59}$/

interface GuestRecord {
  spec: GuestSpec
  netns: string
  links: { host: string; guest: string; mac: string }[]
}

class GuestFiles {
  readonly dir: string
  constructor(
    guestsDir: string,
    readonly uuid: string,
  ) {
    if (!GUEST_ID.test(uuid)) throw new Error(`guest id ${JSON.stringify(uuid)} is not usable here`)
    this.dir = join(guestsDir, uuid)
  }
  get record() {
    return join(this.dir, 'guest.json')
  }
  get config() {
    return join(this.dir, 'config.json')
  }
  get rootfs() {
    return join(this.dir, 'rootfs')
  }
  get upper() {
    return join(this.dir, 'upper')
  }
  get work() {
    return join(this.dir, 'work')
  }
  get console() {
    return join(this.dir, 'console.log')
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The ComputeDriver of container guests, run by runc. Everything is read back from the data dir. */
export class ContainerDriver implements ComputeDriver {
  readonly name = 'container'
  readonly capabilities: Readonly<DriverCapabilities> = Object.freeze({
    pause: true,
    suspend: false,
    snapshot: true,
    resize: true,
    consoleOutput: true,
    volumeAttach: false,
    interfaceAttach: false,
  })
  private readonly root: string
  private readonly guestsDir: string
  private readonly store: LayerStore
  private readonly runc: Runc

  constructor(private readonly settings: ContainerDriverSettings) {
    this.root = join(settings.dataDir, 'container')
    this.guestsDir = join(this.root, 'guests')
    this.store = new LayerStore(join(this.root, 'images'))
    this.runc = new Runc(join(this.root, 'runc'), settings.runc)
  }

  async init(host: string): Promise<void> {
    await mkdir(this.guestsDir, { recursive: true })
    await mkdir(join(this.root, 'images'), { recursive: true })
    await mkdir(this.runc.root, { recursive: true })
    const version = await this.runc.version()
    const running: string[] = []
    for (const uuid of await this.listGuests()) {
      const state = await this.powerState(uuid)
      if (state === POWER_STATE.running || state === POWER_STATE.paused) running.push(uuid)
    }
    this.log(
      'info',
      `container driver on ${host}: runc ${version}, ${running.length} running guest(s) adopted` +
        (running.length > 0 ? `: ${running.join(', ')}` : ''),
    )
  }

  async hostResources(): Promise<HostResources> {
    const fs = await statfs(this.settings.dataDir)
    return {
      vcpus: cpus().length,
      memoryMb: Math.floor(totalmem() / 1024 / 1024),
      diskGb: Math.max(1, Math.floor((fs.blocks * fs.bsize) / 1024 ** 3)),
      hypervisorType: 'docker',
      hypervisorVersion: await this.runc.version(),
    }
  }

  async listGuests(): Promise<string[]> {
    const names = await readdir(this.guestsDir).catch(() => [] as string[])
    const found: string[] = []
    for (const name of names) {
      if (await exists(join(this.guestsDir, name, 'guest.json'))) found.push(name)
    }
    return found.sort()
  }

  async spawn(spec: GuestSpec, signal?: AbortSignal, hooks?: SpawnHooks): Promise<void> {
    const files = this.files(spec.uuid)
    if (await this.record(files)) throw new Error(`guest ${spec.uuid} already exists`)
    await mkdir(files.dir, { recursive: true })
    const record: GuestRecord = { spec, netns: netnsOf(spec.uuid), links: [] }
    let created: Promise<void> | undefined
    try {
      const { insideUp } = await this.prepare(record, files, signal)
      await writeFile(files.record, JSON.stringify(record))
      signal?.throwIfAborted()
      // As Nova's libvirt driver defines the domain paused and resumes it once its ports are
      // plugged, the container is created (namespaces, cgroups, mounts) while the L2 agent
      // reports the ports, and its process starts after network-vif-plugged.
      created = this.launch(files, record, 'create')
      created.catch(() => undefined)
      await hooks?.networkReady?.()
      await insideUp
      await created
      signal?.throwIfAborted()
      await this.withConsoleTail(files, () => this.runc.start(spec.uuid))
    } catch (error) {
      await created?.catch(() => undefined)
      // the record in memory: the one on disk is not written before the guest is prepared
      await this.teardown(spec.uuid, record).catch(() => undefined)
      throw error
    }
  }

  async destroy(uuid: string): Promise<void> {
    await this.teardown(uuid, await this.record(this.files(uuid)))
  }

  private async teardown(uuid: string, record: GuestRecord | undefined): Promise<void> {
    const files = this.files(uuid)
    await this.runc.delete(uuid, true)
    await this.unplug({ netns: record?.netns ?? netnsOf(uuid), links: record?.links ?? [] })
    await unmount(files.rootfs)
    await rm(files.dir, { recursive: true, force: true })
  }

  async powerState(uuid: string): Promise<PowerState> {
    const files = this.files(uuid)
    if (!(await this.record(files))) return POWER_STATE.nostate
    const state = await this.runc.state(uuid).catch(() => undefined)
    switch (state?.status) {
      case 'running':
        return POWER_STATE.running
      case 'paused':
        return POWER_STATE.paused
      default:
        return POWER_STATE.shutdown
    }
  }

  async reboot(uuid: string, type: 'soft' | 'hard'): Promise<void> {
    const files = await this.get(uuid)
    await this.stop(uuid, type === 'soft' ? (this.settings.shutdownTimeoutMs ?? 10_000) : 0)
    await this.start(files)
  }

  async powerOff(uuid: string): Promise<void> {
    await this.get(uuid)
    await this.stop(uuid, this.settings.shutdownTimeoutMs ?? 10_000)
  }

  async powerOn(uuid: string): Promise<void> {
    const files = await this.get(uuid)
    const state = await this.runc.state(uuid)
    if (state?.status === 'running' || state?.status === 'paused') return
    await this.start(files)
  }

  async pause(uuid: string): Promise<void> {
    await this.get(uuid)
    const status = (await this.runc.state(uuid))?.status
    if (status === 'paused') return
    if (status !== 'running') throw new Error(`cannot pause guest ${uuid}: it is not running`)
    await this.runc.pause(uuid)
  }

  async unpause(uuid: string): Promise<void> {
    await this.get(uuid)
    const status = (await this.runc.state(uuid))?.status
    if (status === 'running') return
    if (status !== 'paused') throw new Error(`cannot unpause guest ${uuid}: it is not paused`)
    await this.runc.resume(uuid)
  }

  suspend(uuid: string): Promise<void> {
    return Promise.reject(
      new ContainerUnsupportedError(`suspend guest ${uuid}`, CONTAINER_UNSUPPORTED.suspend),
    )
  }

  resume(uuid: string): Promise<void> {
    return Promise.reject(
      new ContainerUnsupportedError(`resume guest ${uuid}`, CONTAINER_UNSUPPORTED.suspend),
    )
  }

  attachVolume(uuid: string, volume: GuestVolume): Promise<void> {
    const reason = CONTAINER_UNSUPPORTED['attach a block device volume']
    const what = `attach volume ${volume.volumeId} to guest ${uuid}`
    return Promise.reject(new ContainerUnsupportedError(what, reason))
  }

  detachVolume(uuid: string, volumeId: string): Promise<void> {
    const reason = CONTAINER_UNSUPPORTED['attach a block device volume']
    const what = `detach volume ${volumeId} from guest ${uuid}`
    return Promise.reject(new ContainerUnsupportedError(what, reason))
  }

  attachInterface(uuid: string, vif: GuestVif): Promise<void> {
    const reason = CONTAINER_UNSUPPORTED['hot-plug a network interface']
    const what = `attach port ${vif.portId} to guest ${uuid}`
    return Promise.reject(new ContainerUnsupportedError(what, reason))
  }

  detachInterface(uuid: string, portId: string): Promise<void> {
    const reason = CONTAINER_UNSUPPORTED['hot-plug a network interface']
    const what = `detach port ${portId} from guest ${uuid}`
    return Promise.reject(new ContainerUnsupportedError(what, reason))
  }

  /**
   * A `docker save` archive of the guest's whole root (the image and its changes, as one layer),
   * taken while the guest is frozen so that it is consistent at one instant.
   */
  async snapshot(uuid: string): Promise<GuestSnapshot> {
    const files = await this.get(uuid)
    const record = (await this.record(files)) as GuestRecord
    const image = await this.store.get(record.spec.imageId, () =>
      Promise.reject(new Error(`image ${record.spec.imageId} is no longer unpacked`)),
    )
    await this.mount(files, image.rootfs)
    const frozen = (await this.runc.state(uuid))?.status === 'running'
    if (frozen) await this.runc.pause(uuid)
    const target = join(files.dir, 'snapshot.tar')
    try {
      await writeDockerArchive({ rootfs: files.rootfs, config: image.config, target })
    } catch (error) {
      await rm(target, { force: true })
      throw error
    } finally {
      if (frozen) await this.runc.resume(uuid)
    }
    return fileSnapshot(target, { diskFormat: 'raw', containerFormat: 'docker' })
  }

  /** New CPU and memory limits (the guest restarts if it runs); the root has no size to change. */
  async resize(uuid: string, size: GuestSize): Promise<void> {
    const files = await this.get(uuid)
    const record = (await this.record(files)) as GuestRecord
    const status = (await this.runc.state(uuid))?.status
    const wasRunning = status === 'running' || status === 'paused'
    if (wasRunning) await this.stop(uuid, this.settings.shutdownTimeoutMs ?? 10_000)
    const next: GuestRecord = { ...record, spec: { ...record.spec, ...size } }
    await writeFile(`${files.record}.new`, JSON.stringify(next))
    await rename(`${files.record}.new`, files.record)
    if (wasRunning) await this.start(files)
  }

  async consoleOutput(uuid: string): Promise<string> {
    const files = await this.get(uuid)
    const text = await readFile(files.console, 'utf8').catch(() => '')
    return text.length > 1024 * 1024 ? text.slice(-1024 * 1024) : text
  }

  private files(uuid: string): GuestFiles {
    return new GuestFiles(this.guestsDir, uuid)
  }

  private async record(files: GuestFiles): Promise<GuestRecord | undefined> {
    const text = await readFile(files.record, 'utf8').catch(() => undefined)
    return text === undefined ? undefined : (JSON.parse(text) as GuestRecord)
  }

  private async get(uuid: string): Promise<GuestFiles> {
    const files = this.files(uuid)
    if (!(await this.record(files))) throw new Error(`guest ${uuid} does not exist on this host`)
    return files
  }

  /** Unpacks the image, mounts the guest's overlay and makes its namespace and veths. */
  private async prepare(
    record: GuestRecord,
    files: GuestFiles,
    signal?: AbortSignal,
  ): Promise<{ insideUp: Promise<void> }> {
    // the network does not depend on the image: the L2 agent takes the ports while the root is made
    const [rooted, plugged] = await Promise.allSettled([
      this.makeRoot(record.spec, files, signal),
      this.plug(record),
    ])
    if (rooted.status === 'rejected') throw rooted.reason
    if (plugged.status === 'rejected') throw plugged.reason
    return { insideUp: plugged.value.insideUp }
  }

  /** The image, unpacked once into the layer store, and the guest's overlay on it. */
  private async makeRoot(spec: GuestSpec, files: GuestFiles, signal?: AbortSignal): Promise<void> {
    const info = await this.settings.images.info(spec.imageId)
    if (!info) throw new Error(`image ${spec.imageId} was not found`)
    // a snapshot of a container guest is a docker archive even where it is recorded as bare
    const snapshot = info.snapshot === true && info.containerFormat === 'bare'
    if (info.containerFormat !== 'docker' && !snapshot) {
      throw new Error(
        `image ${spec.imageId} has container_format ${info.containerFormat ?? 'none'}; ` +
          'the container compute driver boots docker images only',
      )
    }
    const image = await this.store.get(info.id, async (scratch) => {
      const path = join(scratch, 'image.tar')
      await pipeline(await this.settings.images.download(info.id), createWriteStream(path), {
        ...(signal ? { signal } : {}),
      })
      return path
    })
    signal?.throwIfAborted()
    // fails early on an image that has nothing to run or a user that cannot be read
    containerConfig(configInput(spec, image.config, '/', '/'))
    await this.mount(files, image.rootfs)
  }

  /**
   * The guest's namespace with one veth per port: the guest's end carries the port's MAC (the
   * bridge would take frames for its own ports' MACs), the host end is on the network's bridge
   * when the L2 agent made it already (the agent enslaves it otherwise). What an interrupted
   * attempt left is removed and the namespace made again. Resolves once the host ends are up (the
   * L2 agent can take the ports from there), with the guest's ends and insideUp coming up.
   */
  private async plug(record: GuestRecord): Promise<{ insideUp: Promise<void> }> {
    record.links = []
    const veths: NetnsVeth[] = []
    for (const [index, vif] of record.spec.vifs.entries()) {
      const link = { host: hostIfnameOf(vif.portId), guest: `eth${index}`, mac: vif.macAddress }
      record.links.push(link)
      const bridge = bridgeNameOf(vif.networkId)
      const bridgeMtu = await hostLinkMtu(bridge)
      const mtu = bridgeMtu ?? this.settings.defaultMtu ?? 1500
      veths.push({
        host: link.host,
        peer: link.guest,
        mac: vif.macAddress,
        mtu,
        ...(bridgeMtu === undefined ? {} : { master: bridge }),
      })
    }
    try {
      await createNetnsWithVeths(record.netns, veths)
    } catch (error) {
      this.log('warn', `network of guest ${record.spec.uuid} made again: ${String(error)}`)
      await this.unplug(record)
      await createNetnsWithVeths(record.netns, veths)
    }
    const insideUp = setLinksUp(['lo', ...veths.map((v) => v.peer)], { netns: record.netns })
    // awaited by the caller; a failure meanwhile must not count as unhandled
    insideUp.catch(() => undefined)
    return { insideUp }
  }

  private async unplug(record: Pick<GuestRecord, 'netns' | 'links'>): Promise<void> {
    for (const link of record.links) await deleteLink(link.host)
    await deleteNetns(record.netns)
  }

  private async mount(files: GuestFiles, lower: string): Promise<void> {
    await mountOverlay({
      lower: [lower],
      upper: files.upper,
      work: files.work,
      target: files.rootfs,
    })
  }

  /** Writes config.json from the record and runs the container; the old runc state goes first. */
  private async start(files: GuestFiles): Promise<void> {
    const record = (await this.record(files)) as GuestRecord
    await this.runc.delete(files.uuid, true)
    const image = await this.image(record)
    if (!(await isMounted(files.rootfs))) await this.mount(files, image.rootfs)
    // the namespace and veths outlive stops; they are made again only after a host restart
    if (!(await exists(`/run/netns/${record.netns}`))) await (await this.plug(record)).insideUp
    for (const link of record.links) await setLink(link.host, { up: true }).catch(() => undefined)
    await this.launch(files, record, 'run')
  }

  private image(record: GuestRecord) {
    return this.store.get(record.spec.imageId, () =>
      Promise.reject(new Error(`image ${record.spec.imageId} is no longer unpacked`)),
    )
  }

  /** Writes config.json from the record, then runs the container or only creates it. */
  private async launch(files: GuestFiles, record: GuestRecord, how: 'run' | 'create') {
    const image = await this.image(record)
    const config = containerConfig(
      configInput(record.spec, image.config, `/run/netns/${record.netns}`, `/nimbus/${files.uuid}`),
    )
    await writeFile(files.config, JSON.stringify(config, null, 2))
    await this.withConsoleTail(files, () =>
      how === 'run'
        ? this.runc.runDetached(files.uuid, files.dir, files.console)
        : this.runc.create(files.uuid, files.dir, files.console),
    )
  }

  /** Runs `step`; its failure carries the last lines of the guest's console (runc's errors). */
  private async withConsoleTail(files: GuestFiles, step: () => Promise<void>): Promise<void> {
    try {
      await step()
    } catch (error) {
      const tail = (await readFile(files.console, 'utf8').catch(() => ''))
        .trim()
        .split('\n')
        .slice(-5)
        .join('\n')
      throw new Error(`${(error as Error).message}${tail ? `: ${tail}` : ''}`, { cause: error })
    }
  }

  /** SIGTERM, SIGKILL after `graceMs`, then forgets the runc container (the overlay stays). */
  private async stop(uuid: string, graceMs: number): Promise<void> {
    const state = await this.runc.state(uuid)
    if (!state) return
    if (state.status === 'paused') await this.runc.resume(uuid)
    if (state.status === 'running' || state.status === 'paused') {
      if (graceMs > 0) {
        await this.runc.kill(uuid, 'TERM').catch(() => undefined)
        const deadline = Date.now() + graceMs
        while (Date.now() < deadline && (await this.runc.state(uuid))?.status === 'running') {
          await delay(50)
        }
      }
    }
    await this.runc.delete(uuid, true)
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.settings.log?.(level, message)
  }
}

function netnsOf(uuid: string): string {
  return `ctr-${uuid}`
}

function configInput(
  spec: GuestSpec,
  image: Parameters<typeof containerConfig>[0]['image'],
  netnsPath: string,
  cgroupsPath: string,
) {
  return {
    image,
    hostname: hostnameOf(spec.name),
    vcpus: spec.vcpus,
    memoryMb: spec.memoryMb,
    netnsPath,
    cgroupsPath,
  }
}

/** A server name as a host name, as Nova sanitizes it. */
function hostnameOf(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 63)
  return cleaned || 'server'
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
