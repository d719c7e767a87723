/** @module core/sys/supervised-process: a long-running program restarted whenever it dies */
import { spawn, type ChildProcess } from 'node:child_process'
import { commandLine } from './exec.js'

/** How to run and restart one program. */
export interface SupervisedOptions {
  program: string
  args: readonly string[]
  /** First restart delay; doubles per quick death up to `maxBackoffMs`. Default 200 ms. */
  backoffMs?: number
  /** Longest restart delay; default 10 s. */
  maxBackoffMs?: number
  /** How long `stop` waits after SIGTERM before SIGKILL; default 5 s. */
  stopTimeoutMs?: number
  /** Told about what the program prints (stdout and stderr), as it comes. */
  onOutput?: (text: string) => void
  /** Told about each exit that was not asked for, with the last lines the program printed. */
  onUnexpectedExit?: (info: {
    commandLine: string
    code: number | null
    signal: string | null
    output: string
  }) => void
}

/** A supervised program. */
export interface SupervisedProcess {
  readonly commandLine: string
  /** The running program's pid, or undefined between a death and its restart. */
  readonly pid: number | undefined
  /** How many times it was restarted after dying. */
  readonly restarts: number
  /** Sends a signal to the running program (e.g. SIGHUP to reload); false when none runs. */
  signal(signal: NodeJS.Signals): boolean
  /** Stops supervising and ends the program (SIGTERM, then SIGKILL); resolves once it exited. */
  stop(): Promise<void>
  /** Stops supervising and leaves the program running on its own (no restart, no kill). */
  detach(): void
}

/** Starts `program` and keeps it running until `stop` is called. */
export function superviseProcess(options: SupervisedOptions): SupervisedProcess {
  const line = commandLine(options.program, options.args)
  const firstBackoff = options.backoffMs ?? 200
  let backoff = firstBackoff
  let child: ChildProcess | undefined
  let stopped = false
  let restarts = 0
  let timer: NodeJS.Timeout | undefined
  let exited: Promise<void> = Promise.resolve()

  const launch = (): void => {
    const startedAt = Date.now()
    let output = ''
    const proc = spawn(options.program, [...options.args], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    const keep = (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      output = (output + text).slice(-2000)
      options.onOutput?.(text)
    }
    proc.stdout?.on('data', keep)
    proc.stderr?.on('data', keep)
    exited = new Promise<void>((resolve) => {
      let done = false
      const onEnd = (code: number | null, signal: string | null): void => {
        if (done) return
        done = true
        if (child === proc) child = undefined
        resolve()
        if (stopped) return
        options.onUnexpectedExit?.({ commandLine: line, code, signal, output })
        // a program that ran a while earns a quick restart again
        backoff = Date.now() - startedAt > 10_000 ? firstBackoff : backoff
        timer = setTimeout(() => {
          timer = undefined
          if (stopped) return
          restarts++
          launch()
        }, backoff)
        backoff = Math.min(backoff * 2, options.maxBackoffMs ?? 10_000)
      }
      proc.on('error', () => onEnd(null, null))
      proc.on('exit', (code, signal) => onEnd(code, signal))
    })
  }
  launch()

  return {
    commandLine: line,
    get pid() {
      return child?.pid
    },
    get restarts() {
      return restarts
    },
    signal(signal) {
      return child?.pid !== undefined ? child.kill(signal) : false
    },
    detach() {
      stopped = true
      if (timer) clearTimeout(timer)
      child?.unref()
      child = undefined
    },
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      const running = child
      if (!running) return
      running.kill('SIGTERM')
      const killer = setTimeout(() => running.kill('SIGKILL'), options.stopTimeoutMs ?? 5000)
      await exited
      clearTimeout(killer)
    },
  }
}
