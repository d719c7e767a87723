/** @module core/sys/runc: OCI containers run by `runc`, with their state kept under one root dir */
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { exec, ExecError } from './exec.js'

const RUNC = 'runc'
const ID = /^[\w][\w+.-]{0,127}$/

/** What `runc state` says of a container. */
export type RuncStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped'

export interface RuncState {
  id: string
  pid: number
  status: RuncStatus
  bundle: string
}

function checkId(id: string): void {
  if (!ID.test(id)) throw new TypeError(`'${id}' is not a valid container id`)
}

/** The runc of the containers whose state lives in `root` (`runc --root`). */
export class Runc {
  constructor(
    readonly root: string,
    private readonly program = RUNC,
  ) {}

  private run(args: readonly string[], timeoutMs = 30_000) {
    return exec(this.program, ['--root', this.root, ...args], { timeoutMs })
  }

  /** The container's state, or undefined when runc knows no such container. */
  async state(id: string): Promise<RuncState | undefined> {
    checkId(id)
    try {
      const { stdout } = await this.run(['state', id], 10_000)
      return JSON.parse(stdout) as RuncState
    } catch (error) {
      if (error instanceof ExecError && /does not exist|not exist/.test(error.stderr)) {
        return undefined
      }
      throw error
    }
  }

  /** The ids of the containers under the root. */
  async list(): Promise<string[]> {
    const { stdout } = await this.run(['list', '--format', 'json'], 10_000)
    const rows = (JSON.parse(stdout.trim() || 'null') ?? []) as { id: string }[]
    return rows.map((r) => r.id)
  }

  /**
   * Creates and starts container `id` from `bundle` in the background (`runc run -d`). The
   * container's standard output and error (and runc's own errors) are appended to `logPath`;
   * its standard input is /dev/null. Resolves once runc has started it.
   */
  async runDetached(
    id: string,
    bundle: string,
    logPath: string,
    timeoutMs = 60_000,
  ): Promise<void> {
    checkId(id)
    await exec(this.program, ['--root', this.root, 'run', '--detach', '--bundle', bundle, id], {
      timeoutMs,
      outputFile: logPath,
    })
  }

  /**
   * Creates container `id` from `bundle` without starting its process (`runc create`): its
   * namespaces, cgroups and mounts are made and its init waits for {@link start}. Output goes to
   * `logPath` as with {@link runDetached}.
   */
  async create(id: string, bundle: string, logPath: string, timeoutMs = 60_000): Promise<void> {
    checkId(id)
    await exec(this.program, ['--root', this.root, 'create', '--bundle', bundle, id], {
      timeoutMs,
      outputFile: logPath,
    })
  }

  /** Starts the process of a container made by {@link create}. */
  async start(id: string): Promise<void> {
    checkId(id)
    await this.run(['start', id])
  }

  /** Sends `signal` to the container's processes (all of them with `all`). */
  async kill(id: string, signal: 'TERM' | 'KILL', all = false): Promise<void> {
    checkId(id)
    await this.run(['kill', ...(all ? ['--all'] : []), id, signal])
  }

  /** Freezes every process of the container (the freezer cgroup). */
  async pause(id: string): Promise<void> {
    checkId(id)
    await this.run(['pause', id])
  }

  async resume(id: string): Promise<void> {
    checkId(id)
    await this.run(['resume', id])
  }

  /** Forgets a container (`--force` kills it first); does nothing when runc knows none. */
  async delete(id: string, force = false): Promise<void> {
    checkId(id)
    // runc keeps what it knows of a container in <root>/<id>: without it there is nothing to ask
    const known = await access(join(this.root, id)).then(
      () => true,
      () => false,
    )
    if (!known || !(await this.state(id))) return
    await this.run(['delete', ...(force ? ['--force'] : []), id])
  }

  /** runc's version as a number (1.1.5 is 1001005). */
  async version(): Promise<number> {
    const { stdout } = await exec(this.program, ['--version'], { timeoutMs: 10_000 })
    const [major = 0, minor = 0, micro = 0] = (/version (\d+)\.(\d+)\.(\d+)/.exec(stdout) ?? [])
      .slice(1)
      .map(Number)
    return major * 1_000_000 + minor * 1000 + micro
  }
}

/** Why this machine cannot run containers with runc, or undefined when it can. */
export async function runcUnavailableReason(): Promise<string | undefined> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not running as root'
  try {
    await exec(RUNC, ['--version'], { timeoutMs: 10_000 })
  } catch {
    return 'runc is not installed (Debian package runc)'
  }
  return undefined
}
