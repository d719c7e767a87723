/** @module compute/virt/qemu/qemu-driver: real guests, one QEMU process each, controlled over QMP */
import { mkdir, readFile, rename, rm, stat, statfs } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { exec } from '../../../core/sys/exec.js'
import { deleteLink, getLink, setLink } from '../../../core/sys/ip-link.js'
import {
  processRuns,
  readPidFile,
  signalProcess,
  waitForExit,
} from '../../../core/sys/process-table.js'
import { ensureTap } from '../../../core/sys/tap-device.js'
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
import {
  GuestFiles,
  listGuestRecords,
  readGuestRecord,
  writeGuestRecord,
  type AttachedVolume,
  type GuestRecord,
  type LocalDisk,
} from './guest-record.js'
import { makeLocalDisks, resizeLocalDisks } from './guest-local-disks.js'
import {
  bridgeNameOf,
  busySlots,
  GuestInterfaceError,
  plugNic,
  prepareTap,
  removeTap,
  tapNameOf,
  unplugNic,
} from './guest-interfaces.js'
import { prepareRoot } from './guest-root.js'
import {
  assertVolumeReachable,
  attachedVolumeOf,
  GuestVolumeError,
  plugVolume,
  unplugVolume,
} from './guest-volumes.js'
import { ImageCache, type GuestImageSource } from './image-cache.js'
import { probeKvm } from './kvm-probe.js'
import { freeNicSlot, freeVolumeSlot, inDeviceOrder, qemuArgs } from './qemu-command.js'
import { withQmp } from './qmp-client.js'
import { fileSnapshot } from '../file-snapshot.js'
import { writeConfigDriveIso } from './config-drive-iso.js'

/** What the qemu driver is built with. */
export interface QemuDriverSettings {
  /** Guests, image cache and QMP sockets live under `<dataDir>/qemu`. */
  dataDir: string
  images: GuestImageSource
  /** How long a clean stop or soft reboot waits for the guest before it is forced; default 10 s. */
  shutdownTimeoutMs?: number
  /** Kernel command line when the image gives none. */
  defaultAppend?: string
  qemu?: string
  log?: (level: 'info' | 'warn', message: string) => void
}

const UNIX_PATH_MAX = 107
const DEFAULT_APPEND = 'console=ttyS0 quiet'

export { tapNameOf }

/** The ComputeDriver of QEMU guests. Stateless in memory: everything is read from the data dir. */
export class QemuDriver implements ComputeDriver {
  readonly name = 'qemu'
  readonly capabilities: Readonly<DriverCapabilities> = Object.freeze({
    pause: true,
    suspend: true,
    snapshot: true,
    resize: true,
    consoleOutput: true,
    volumeAttach: true,
    interfaceAttach: true,
  })
  private accel: 'kvm' | 'tcg' = 'tcg'
  private readonly root: string
  private readonly guestsDir: string
  private readonly cache: ImageCache
  private readonly qemu: string

  constructor(private readonly settings: QemuDriverSettings) {
    this.root = join(settings.dataDir, 'qemu')
    this.guestsDir = join(this.root, 'guests')
    this.cache = new ImageCache(join(this.root, 'images'), settings.images)
    this.qemu = settings.qemu ?? 'qemu-system-x86_64'
  }

  /** The accelerator guests run with (known after `init`). */
  get accelerator(): 'kvm' | 'tcg' {
    return this.accel
  }

  async init(host: string): Promise<void> {
    await mkdir(this.guestsDir, { recursive: true })
    const choice = await probeKvm(this.qemu)
    this.accel = choice.accel
    this.log('info', `qemu driver on ${host}: ${choice.accel.toUpperCase()} (${choice.reason})`)
    const running: string[] = []
    for (const uuid of await this.listGuests()) {
      if ((await this.powerState(uuid)) !== POWER_STATE.shutdown) running.push(uuid)
    }
    if (running.length > 0) {
      this.log(
        'info',
        `qemu driver adopted ${running.length} running guest(s): ${running.join(', ')}`,
      )
    }
  }

  async hostResources(): Promise<HostResources> {
    const fs = await statfs(this.settings.dataDir)
    const { stdout } = await exec(this.qemu, ['--version'], { timeoutMs: 10_000 })
    const [major = 0, minor = 0, micro = 0] = (/version (\d+)\.(\d+)\.(\d+)/.exec(stdout) ?? [])
      .slice(1)
      .map(Number)
    return {
      vcpus: cpus().length,
      memoryMb: Math.floor(totalmem() / 1024 / 1024),
      diskGb: Math.max(1, Math.floor((fs.blocks * fs.bsize) / 1024 ** 3)),
      hypervisorType: 'QEMU',
      hypervisorVersion: major * 1_000_000 + minor * 1000 + micro,
    }
  }

  listGuests(): Promise<string[]> {
    return listGuestRecords(this.guestsDir)
  }

  async spawn(spec: GuestSpec, signal?: AbortSignal, hooks?: SpawnHooks): Promise<void> {
    const files = this.files(spec.uuid)
    if (await readGuestRecord(files)) throw new Error(`guest ${spec.uuid} already exists`)
    if (files.qmp.length > UNIX_PATH_MAX) {
      throw new Error(`the QMP socket path ${files.qmp} is longer than ${UNIX_PATH_MAX} bytes`)
    }
    await mkdir(files.dir, { recursive: true })
    try {
      const record = await this.prepare(spec, files, signal)
      await writeGuestRecord(files, record)
      signal?.throwIfAborted()
      await hooks?.networkReady?.()
      signal?.throwIfAborted()
      await this.start(record, files)
    } catch (error) {
      await this.destroy(spec.uuid).catch(() => undefined)
      throw error
    }
  }

  /**
   * Removes the guest's folder, with its root, ephemeral, swap and config drive disks; volume
   * files live elsewhere and are never touched.
   */
  async destroy(uuid: string): Promise<void> {
    const files = this.files(uuid)
    await this.kill(files)
    const record = await readGuestRecord(files)
    for (const tap of record?.taps ?? []) await deleteLink(tap.name)
    await rm(files.dir, { recursive: true, force: true })
  }

  async powerState(uuid: string): Promise<PowerState> {
    const files = this.files(uuid)
    if (!(await readGuestRecord(files))) return POWER_STATE.nostate
    if (!(await this.running(files))) {
      const saved = await stat(files.savedState).then(
        () => true,
        () => false,
      )
      return saved ? POWER_STATE.suspended : POWER_STATE.shutdown
    }
    const status = await withQmp(files.qmp, async (qmp) => {
      const result = (await qmp.execute('query-status')) as { status?: string }
      return result.status ?? 'unknown'
    }).catch(() => 'unknown')
    if (status === 'paused' || status === 'prelaunch' || status === 'inmigrate')
      return POWER_STATE.paused
    if (status === 'shutdown') return POWER_STATE.shutdown
    if (status === 'internal-error' || status === 'guest-panicked' || status === 'io-error') {
      return POWER_STATE.crashed
    }
    return POWER_STATE.running
  }

  async reboot(uuid: string, type: 'soft' | 'hard'): Promise<void> {
    const { record, files } = await this.get(uuid)
    if (!(await this.running(files))) {
      await this.start(record, files)
      return
    }
    if (type === 'soft' && (await this.cleanShutdown(files))) {
      await this.start(record, files)
      return
    }
    await withQmp(files.qmp, async (qmp) => {
      await qmp.execute('system_reset')
      await qmp.execute('cont')
    })
  }

  async powerOff(uuid: string): Promise<void> {
    const { files } = await this.get(uuid)
    if (!(await this.running(files))) return
    if (!(await this.cleanShutdown(files))) await this.kill(files)
  }

  async powerOn(uuid: string): Promise<void> {
    const { record, files } = await this.get(uuid)
    if (await this.running(files)) return
    await this.start(record, files)
  }

  async pause(uuid: string): Promise<void> {
    const { files } = await this.getRunning(uuid, 'pause')
    await withQmp(files.qmp, (qmp) => qmp.execute('stop'))
  }

  async unpause(uuid: string): Promise<void> {
    const { files } = await this.getRunning(uuid, 'unpause')
    await withQmp(files.qmp, (qmp) => qmp.execute('cont'))
  }

  async suspend(uuid: string): Promise<void> {
    const { files } = await this.getRunning(uuid, 'suspend')
    const partial = `${files.savedState}.part`
    await withQmp(files.qmp, async (qmp) => {
      await qmp.execute('stop')
      await qmp.execute('migrate', { uri: `exec:cat > '${partial.replaceAll("'", '')}'` })
      for (;;) {
        const info = (await qmp.execute('query-migrate')) as {
          status?: string
          'error-desc'?: string
        }
        if (info.status === 'completed') break
        if (info.status === 'failed' || info.status === 'cancelled') {
          await qmp.execute('cont')
          throw new Error(`saving guest ${uuid} failed: ${info['error-desc'] ?? info.status}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })
    await rename(partial, files.savedState)
    await this.kill(files)
  }

  async resume(uuid: string): Promise<void> {
    const { record, files } = await this.get(uuid)
    if (await this.running(files)) return
    const saved = await stat(files.savedState).then(
      () => true,
      () => false,
    )
    if (!saved) throw new Error(`guest ${uuid} is not suspended`)
    await this.start(record, files, files.savedState)
    await withQmp(files.qmp, async (qmp) => {
      for (;;) {
        const status = ((await qmp.execute('query-status')) as { status?: string }).status
        if (status === 'running') break
        if (status === 'paused' || status === 'postmigrate') {
          const info = (await qmp.execute('query-migrate')) as { status?: string }
          if (info.status === 'completed' || info.status === undefined) {
            await qmp.execute('cont')
            break
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })
    await rm(files.savedState, { force: true })
  }

  async snapshot(uuid: string): Promise<GuestSnapshot> {
    const { record, files } = await this.get(uuid)
    const running = (await this.powerState(uuid)) === POWER_STATE.running
    const target = join(files.dir, 'snapshot.qcow2')
    // paused for the copy, so that the disk is consistent at one instant
    if (running) await withQmp(files.qmp, (qmp) => qmp.execute('stop'))
    try {
      const root = record.rootVolume
      const [source, format] = root ? [root.path, root.format] : [files.overlay, 'qcow2']
      await exec('qemu-img', ['convert', '-U', '-f', format, '-O', 'qcow2', source, target], {
        timeoutMs: 600_000,
      })
    } catch (error) {
      await rm(target, { force: true })
      throw error
    } finally {
      if (running) await withQmp(files.qmp, (qmp) => qmp.execute('cont'))
    }
    return fileSnapshot(target, { diskFormat: 'qcow2', containerFormat: 'bare' })
  }

  async resize(uuid: string, size: GuestSize): Promise<void> {
    const { record, files } = await this.get(uuid)
    const wasRunning = await this.running(files)
    if (wasRunning) await this.kill(files)
    // a boot volume keeps its size: the flavor's root disk does not apply to it
    if (size.rootGb > record.spec.rootGb && !record.rootVolume) {
      await exec('qemu-img', ['resize', files.overlay, `${size.rootGb}G`], { timeoutMs: 60_000 })
    }
    const localDisks = await resizeLocalDisks(record, size, files, (m) => this.log('info', m))
    const { vcpus, memoryMb, rootGb } = size
    const spec = { ...record.spec, vcpus, memoryMb, rootGb }
    if (size.ephemeralGb !== undefined) spec.ephemeralGb = size.ephemeralGb
    if (size.swapMb !== undefined) spec.swapMb = size.swapMb
    const next: GuestRecord = { ...record, spec, localDisks }
    await writeGuestRecord(files, next)
    if (wasRunning) await this.start(next, files)
  }

  async consoleOutput(uuid: string): Promise<string> {
    const { files } = await this.get(uuid)
    const text = await readFile(files.console, 'utf8').catch(() => '')
    return text.length > 1024 * 1024 ? text.slice(-1024 * 1024) : text
  }

  /**
   * Hotplugs a file or NBD volume as a virtio-blk disk (the guest sees the next /dev/vdX; read-only
   * when the volume is) and keeps it in the guest's record, so every later start has it. A stopped
   * guest gets it at its next start. Refuses another connection type, a missing file and an NBD
   * export that does not answer.
   */
  async attachVolume(uuid: string, guestVolume: GuestVolume): Promise<void> {
    const wanted = attachedVolumeOf(guestVolume)
    const { record, files } = await this.get(uuid)
    const all = record.rootVolume ? [record.rootVolume, ...record.volumes] : record.volumes
    if (all.some((v) => v.volumeId === wanted.volumeId)) return
    const taken = all.find((v) => v.device === wanted.device)
    if (taken) {
      throw new GuestVolumeError(
        `volume ${wanted.volumeId} cannot be attached at ${wanted.device}: guest ${uuid} has volume ${taken.volumeId} there`,
      )
    }
    await assertVolumeReachable(wanted)
    const volume = { ...wanted, pciSlot: freeVolumeSlot(record.volumes) }
    if (await this.running(files)) await withQmp(files.qmp, (qmp) => plugVolume(qmp, volume))
    await writeGuestRecord(files, { ...record, volumes: [...record.volumes, volume] })
  }

  /** Unplugs a data volume (the guest must release the device) and forgets it. Idempotent. */
  async detachVolume(uuid: string, volumeId: string, timeoutMs = 30_000): Promise<void> {
    const { record, files } = await this.get(uuid)
    if (record.rootVolume?.volumeId === volumeId) {
      throw new GuestVolumeError(`volume ${volumeId} is the root disk of guest ${uuid}`)
    }
    if (!record.volumes.some((v) => v.volumeId === volumeId)) return
    if (await this.running(files)) {
      await withQmp(files.qmp, (qmp) => unplugVolume(qmp, volumeId, timeoutMs))
    }
    const volumes = record.volumes.filter((v) => v.volumeId !== volumeId)
    await writeGuestRecord(files, { ...record, volumes })
  }

  /**
   * Creates the port's tap on its network's bridge and hotplugs a virtio-net NIC with the port's
   * MAC at a PCI slot of its own, kept in the guest's record so that every later start (and a
   * saved state) has the NIC at the same place. A stopped guest gets it at its next start. On
   * failure the tap goes again (when this call made it) and the record is unchanged.
   */
  async attachInterface(uuid: string, vif: GuestVif): Promise<void> {
    const { record, files } = await this.get(uuid)
    const name = tapNameOf(vif.portId)
    if (record.taps.some((t) => t.name === name)) return
    await this.assertNotSuspended(uuid, files, `attach port ${vif.portId}`)
    const running = await this.running(files)
    const created = await prepareTap(name, vif.networkId)
    try {
      const tap = await (running
        ? withQmp(files.qmp, async (qmp) => {
            const plugged = { name, mac: vif.macAddress, pciSlot: 0 }
            plugged.pciSlot = freeNicSlot(record.taps, await busySlots(qmp))
            await plugNic(qmp, plugged)
            return plugged
          })
        : Promise.resolve({ name, mac: vif.macAddress, pciSlot: freeNicSlot(record.taps) }))
      const spec = { ...record.spec, vifs: [...record.spec.vifs, vif] }
      await writeGuestRecord(files, { ...record, spec, taps: [...record.taps, tap] })
    } catch (error) {
      if (created) await removeTap(name).catch(() => undefined)
      throw error
    }
  }

  /**
   * Unplugs the port's NIC (the guest must release it), deletes its tap and forgets it; the guest
   * keeps it when it does not let go in time. Idempotent.
   */
  async detachInterface(uuid: string, portId: string, timeoutMs = 30_000): Promise<void> {
    const { record, files } = await this.get(uuid)
    const name = tapNameOf(portId)
    const tap = record.taps.find((t) => t.name === name)
    if (!tap) return
    await this.assertNotSuspended(uuid, files, `detach port ${portId}`)
    if ((await this.powerState(uuid)) === POWER_STATE.paused) {
      throw new GuestInterfaceError(
        `cannot detach port ${portId} from guest ${uuid}: a paused guest cannot release its NIC; unpause it first`,
      )
    }
    if (await this.running(files)) {
      await withQmp(files.qmp, (qmp) => unplugNic(qmp, tap, timeoutMs)).catch((error: unknown) => {
        throw error instanceof GuestInterfaceError
          ? error
          : new GuestInterfaceError(
              `port ${portId} could not be unplugged from guest ${uuid}: ${error instanceof Error ? error.message : String(error)}`,
            )
      })
    }
    const spec = { ...record.spec, vifs: record.spec.vifs.filter((v) => v.portId !== portId) }
    const taps = record.taps.filter((t) => t.name !== name)
    await writeGuestRecord(files, { ...record, spec, taps })
    await removeTap(name)
  }

  /** The ephemeral and swap disks of a guest, in the order the guest sees them after its root. */
  async localDisks(uuid: string): Promise<LocalDisk[]> {
    return (await this.get(uuid)).record.localDisks ?? []
  }

  /** A suspended guest's saved state fixes its devices: a NIC can neither come nor go then. */
  private async assertNotSuspended(uuid: string, files: GuestFiles, what: string): Promise<void> {
    const saved = await stat(files.savedState).then(
      () => true,
      () => false,
    )
    if (saved) {
      throw new GuestInterfaceError(
        `cannot ${what} on guest ${uuid} while it is suspended: its saved state has a fixed set of devices; resume it first`,
      )
    }
  }

  /** The MAC addresses of a guest's NICs, in the order its next start will have them. */
  async interfaces(uuid: string): Promise<string[]> {
    return (await this.get(uuid)).record.taps.map((t) => t.mac)
  }

  /** The data volumes of a guest, as its next start will have them (the boot volume not among them). */
  async volumes(uuid: string): Promise<AttachedVolume[]> {
    return inDeviceOrder((await this.get(uuid)).record.volumes)
  }

  private files(uuid: string): GuestFiles {
    return new GuestFiles(this.guestsDir, uuid)
  }

  private async get(uuid: string): Promise<{ record: GuestRecord; files: GuestFiles }> {
    const files = this.files(uuid)
    const record = await readGuestRecord(files)
    if (!record) throw new Error(`guest ${uuid} does not exist on this host`)
    return { record, files }
  }

  private async getRunning(uuid: string, action: string) {
    const found = await this.get(uuid)
    if (!(await this.running(found.files)))
      throw new Error(`cannot ${action} guest ${uuid}: it is not running`)
    return found
  }

  private async running(files: GuestFiles): Promise<boolean> {
    const pid = await readPidFile(files.pidFile)
    return pid !== undefined && (await processRuns(pid, files.uuid))
  }

  /** Disks, kernel and taps of a new guest; writes nothing outside its folder but the taps. */
  private async prepare(
    spec: GuestSpec,
    files: GuestFiles,
    signal?: AbortSignal,
  ): Promise<GuestRecord> {
    const sources = {
      images: this.settings.images,
      cache: this.cache,
      defaultAppend: this.settings.defaultAppend ?? DEFAULT_APPEND,
    }
    const record: GuestRecord = {
      spec,
      ...(await prepareRoot(spec, files, sources, signal)),
      taps: [],
    }
    const localDisks = await makeLocalDisks(spec, files, (m) => this.log('warn', m), signal)
    if (localDisks.length > 0) record.localDisks = localDisks
    if (spec.configDrive) {
      await writeConfigDriveIso(files.configDrive, spec.configDrive.files, signal)
      record.configDrive = true
      record.configDriveBus = 'ide-cd'
    }
    for (const vif of spec.vifs) {
      const name = tapNameOf(vif.portId)
      await ensureTap(name)
      record.taps.push({ name, mac: vif.macAddress })
      // the L2 agent enslaves the tap too; doing it here saves the guest's DHCP a poll period
      const bridge = await getLink(bridgeNameOf(vif.networkId))
      await setLink(
        name,
        bridge ? { master: bridge.name, mtu: bridge.mtu, up: true } : { up: true },
      )
    }
    return record
  }

  private async start(
    record: GuestRecord,
    files: GuestFiles,
    incomingState?: string,
  ): Promise<void> {
    await rm(files.pidFile, { force: true })
    await rm(files.qmp, { force: true })
    const args = qemuArgs(
      record,
      files,
      { accel: this.accel },
      incomingState ? { incomingState } : {},
    )
    await exec(this.qemu, args, { timeoutMs: 60_000 })
    for (const tap of record.taps) await setLink(tap.name, { up: true }).catch(() => undefined)
  }

  /** ACPI power button; true when the guest stopped by itself within the timeout. */
  private async cleanShutdown(files: GuestFiles): Promise<boolean> {
    const pid = await readPidFile(files.pidFile)
    if (pid === undefined) return true
    const sent = await withQmp(files.qmp, (qmp) => qmp.execute('system_powerdown')).then(
      () => true,
      () => false,
    )
    if (!sent) return false
    return waitForExit(pid, files.uuid, this.settings.shutdownTimeoutMs ?? 10_000)
  }

  /** Ends the guest's QEMU: QMP quit, then SIGKILL. */
  private async kill(files: GuestFiles): Promise<void> {
    const pid = await readPidFile(files.pidFile)
    if (pid === undefined || !(await processRuns(pid, files.uuid))) return
    await withQmp(files.qmp, (qmp) => qmp.execute('quit')).catch(() => undefined)
    if (!(await waitForExit(pid, files.uuid, 3000))) {
      signalProcess(pid, 'SIGKILL')
      await waitForExit(pid, files.uuid, 5000)
    }
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.settings.log?.(level, message)
  }
}
