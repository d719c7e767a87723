/** @module block-storage/driver/file/nbd-exports: the file backend's NBD exports, one per volume, kept on disk */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  VolumeDriverError,
  VolumeDriverRefusal,
  type Connector,
  type VolumeFormat,
} from '../volume-driver.js'
import {
  nbdServerRuns,
  nbdServersUnder,
  portTaken,
  startNbdServer,
  stopNbdServer,
} from './nbd-server.js'

/** When the file backend exports a volume: to hosts other than its own, or to every host. */
export const VOLUME_EXPORT_MODES = ['auto', 'nbd'] as const
export type VolumeExportMode = (typeof VOLUME_EXPORT_MODES)[number]

/** How the file backend exports volumes over NBD. */
export interface NbdExportSettings {
  mode: VolumeExportMode
  /** Host names of connectors that reach the volume folder directly (the agent's own host). */
  localHosts: readonly string[]
  /** Address the exports listen on (the storage host's management address). */
  address: string
  portMin: number
  portMax: number
}

/** Clients one export serves at once: a guest, its move's destination, a multiattach's others. */
const MAX_CLIENTS = 16

/** Whether `connector` gets an NBD export rather than the file's path. */
export function wantsExport(settings: NbdExportSettings, connector: Connector): boolean {
  if (settings.mode === 'nbd') return true
  return typeof connector.host !== 'string' || !settings.localHosts.includes(connector.host)
}

/** An export as it is recorded: `<root>/nbd-exports/<volume id>.json`. */
export interface NbdExport {
  volumeId: string
  path: string
  address: string
  port: number
  exportName: string
  readOnly: boolean
  /** Attachments (or legacy connectors) using it; it stops when the last one goes. */
  holders: string[]
  /** Its qemu-nbd; 0 while not running (a restart that failed). */
  pid: number
}

/** What an export is asked for. */
export interface ExportRequest {
  volumeId: string
  path: string
  format: VolumeFormat
  holder: string
  readOnly: boolean
}

const ID = /^[\w-]+$/

/**
 * One qemu-nbd per volume, shared by its attachments: QEMU's image locking lets a single process
 * write a file, so a multiattach or a move (source and destination at once) can only share one.
 * Each export is recorded before and after its process changes, so that after an agent restart
 * `adopt` finds it again; qemu-nbd processes of the backend that no record names are stopped.
 * Every change runs in one queue, so two volumes never take the same port.
 */
export class NbdExports {
  private readonly dir: string
  private chain: Promise<unknown> = Promise.resolve()

  constructor(
    root: string,
    private readonly settings: NbdExportSettings,
    private readonly format: VolumeFormat,
  ) {
    this.dir = join(root, 'nbd-exports')
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work)
    this.chain = next.catch(() => undefined)
    return next
  }

  private file(volumeId: string): string {
    if (!ID.test(volumeId)) throw new VolumeDriverError(`bad volume id ${volumeId}`)
    return join(this.dir, `${volumeId}.json`)
  }

  private pidFile(volumeId: string): string {
    return join(this.dir, `${volumeId}.pid`)
  }

  async get(volumeId: string): Promise<NbdExport | undefined> {
    const text = await readFile(this.file(volumeId), 'utf8').catch(() => undefined)
    return text === undefined ? undefined : (JSON.parse(text) as NbdExport)
  }

  async list(): Promise<NbdExport[]> {
    const names = await readdir(this.dir).catch(() => [] as string[])
    const found: NbdExport[] = []
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const e = await this.get(name.slice(0, -'.json'.length)).catch(() => undefined)
      if (e) found.push(e)
    }
    return found
  }

  private async save(e: NbdExport): Promise<void> {
    const path = this.file(e.volumeId)
    await writeFile(`${path}.tmp`, JSON.stringify(e), { mode: 0o600 })
    await rename(`${path}.tmp`, path)
  }

  private async forget(volumeId: string): Promise<void> {
    await rm(this.file(volumeId), { force: true })
    await rm(this.pidFile(volumeId), { force: true })
  }

  /** Starts qemu-nbd for `e` on its port, or on the first free one of the range when it has none. */
  private async run(e: NbdExport): Promise<NbdExport> {
    const taken = new Set(
      (await this.list()).filter((x) => x.volumeId !== e.volumeId).map((x) => x.port),
    )
    const { portMin, portMax, address } = this.settings
    const ports = e.port > 0 ? [e.port] : []
    for (let p = portMin; p <= portMax; p++) if (!taken.has(p) && p !== e.port) ports.push(p)
    let last: unknown
    for (const port of ports) {
      const spec = {
        path: e.path,
        format: this.format,
        address,
        port,
        exportName: e.exportName,
        readOnly: e.readOnly,
        maxClients: MAX_CLIENTS,
        pidFile: this.pidFile(e.volumeId),
      }
      try {
        await startNbdServer(spec)
      } catch (error) {
        last = error
        if (portTaken(error)) continue
        throw new VolumeDriverError(
          `volume ${e.volumeId} could not be exported over NBD: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        )
      }
      const pid = Number.parseInt(await readFile(spec.pidFile, 'utf8'), 10)
      return { ...e, address, port, pid }
    }
    throw new VolumeDriverError(
      `volume ${e.volumeId} could not be exported over NBD: no free port in ${portMin}-${portMax} on ${address}${last instanceof Error ? ` (${last.message})` : ''}`,
    )
  }

  private async halt(e: NbdExport): Promise<void> {
    if (e.pid > 0) await stopNbdServer(e.pid, e.path)
  }

  /**
   * The volume's export with `holder` among its users: started when there is none, restarted
   * when its process is gone or when its only user changes between read-only and read-write.
   * Refuses another mode while others use it.
   */
  acquire(r: ExportRequest): Promise<NbdExport> {
    return this.serial(async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 })
      const found = await this.get(r.volumeId)
      const holders = [...new Set([...(found?.holders ?? []), r.holder])]
      if (found && found.readOnly !== r.readOnly) {
        const others = found.holders.filter((h) => h !== r.holder)
        if (others.length > 0) {
          const [mode, wanted] = found.readOnly
            ? ['read-only', 'read-write']
            : ['read-write', 'read-only']
          throw new VolumeDriverRefusal(
            `volume ${r.volumeId} is exported ${mode} to ${others.join(', ')}; it cannot be exported ${wanted} to ${r.holder} as well`,
          )
        }
        await this.halt(found)
        found.pid = 0
      }
      const alive =
        found !== undefined && found.pid > 0 && (await nbdServerRuns(found.pid, found.path))
      if (found && alive) {
        const e = { ...found, holders }
        await this.save(e)
        return e
      }
      const wanted: NbdExport = {
        volumeId: r.volumeId,
        path: r.path,
        address: this.settings.address,
        port: found?.port ?? 0,
        exportName: `volume-${r.volumeId}`,
        readOnly: r.readOnly,
        holders,
        pid: 0,
      }
      // recorded first, so that a crash during the start leaves a record adopt() can clean up
      await this.save(wanted)
      try {
        const e = await this.run(wanted)
        await this.save(e)
        return e
      } catch (error) {
        if (!found) await this.forget(r.volumeId)
        throw error
      }
    })
  }

  /** Removes `holder` (every holder when absent); the export stops when none is left. */
  release(volumeId: string, holder?: string): Promise<void> {
    return this.serial(async () => {
      const e = await this.get(volumeId)
      if (!e) return
      const holders = holder === undefined ? [] : e.holders.filter((h) => h !== holder)
      if (holders.length > 0) {
        if (holders.length !== e.holders.length) await this.save({ ...e, holders })
        return
      }
      await this.halt(e)
      await this.forget(volumeId)
    })
  }

  /**
   * After a restart: recorded exports whose qemu-nbd still runs are kept; those whose process is
   * gone (the host rebooted) are started again on their port for their holders; qemu-nbd
   * processes serving a file of `root` that no record names are stopped. Answers what could not
   * be started again (its record stays, and the next connection retries).
   */
  adopt(root: string): Promise<string[]> {
    return this.serial(async () => {
      for (const name of await readdir(this.dir).catch(() => [] as string[])) {
        if (name.endsWith('.tmp')) await rm(join(this.dir, name), { force: true })
      }
      const records = await this.list()
      const kept = new Set<number>()
      const failures: string[] = []
      for (const e of records) {
        if (e.pid > 0 && (await nbdServerRuns(e.pid, e.path))) {
          kept.add(e.pid)
          continue
        }
        if (e.holders.length === 0) {
          await this.forget(e.volumeId)
          continue
        }
        try {
          const started = await this.run({ ...e, pid: 0 })
          await this.save(started)
          kept.add(started.pid)
        } catch (error) {
          await this.save({ ...e, pid: 0 })
          failures.push(error instanceof Error ? error.message : String(error))
        }
      }
      for (const p of await nbdServersUnder(root)) {
        if (!kept.has(p.pid)) await stopNbdServer(p.pid, p.path)
      }
      return failures
    })
  }
}
