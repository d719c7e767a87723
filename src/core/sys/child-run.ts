/** @module core/sys/child-run: one program run to completion, its output kept up to a limit */
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'

/** What to run; plain data, so that it can travel to the spawner process. */
export interface ChildRun {
  program: string
  args: readonly string[]
  cwd: string
  /** Replaces the environment; default: the environment the running process started with. */
  env?: Record<string, string | undefined>
  /** Written to the program's standard input, which is then closed. */
  input?: string | Uint8Array
  /** Largest captured output per stream in bytes (the rest is dropped). */
  maxOutputBytes: number
  /**
   * Appends standard output and error to this file instead of capturing them (standard input
   * is then /dev/null).
   */
  outputFile?: string
}

/** How a run ended. */
export type ChildOutcome =
  | { kind: 'exited'; code: number | null; signal: string | null; stdout: string; stderr: string }
  | { kind: 'not-started'; message: string }

/** A run under way. */
export interface RunningChild {
  readonly done: Promise<ChildOutcome>
  /** SIGKILL; the outcome still comes through `done`. */
  kill(): void
}

class OutputBuffer {
  private readonly chunks: Buffer[] = []
  private size = 0

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (this.size >= this.limit) return
    const room = this.limit - this.size
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk
    this.chunks.push(kept)
    this.size += kept.length
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

/** Runs the program from this process. */
export function runDirect(run: ChildRun): RunningChild {
  let output: number | undefined
  try {
    if (run.outputFile !== undefined) output = openSync(run.outputFile, 'a')
  } catch (error) {
    const message = `cannot open ${run.outputFile}: ${(error as Error).message}`
    return { done: Promise.resolve({ kind: 'not-started', message }), kill: () => undefined }
  }
  const child = spawn(run.program, [...run.args], {
    cwd: run.cwd,
    ...(run.env === undefined ? {} : { env: run.env }),
    stdio: output === undefined ? ['pipe', 'pipe', 'pipe'] : ['ignore', output, output],
  })
  if (output !== undefined) closeSync(output)
  const stdout = new OutputBuffer(run.maxOutputBytes)
  const stderr = new OutputBuffer(run.maxOutputBytes)
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
  child.stdin?.on('error', () => {
    // the program may exit without reading its input; its exit status tells the story
  })
  const done = new Promise<ChildOutcome>((resolve) => {
    let settled = false
    child.on('error', (cause) => {
      if (settled) return
      settled = true
      resolve({ kind: 'not-started', message: cause.message })
    })
    child.on('close', (code, signal) => {
      if (settled) return
      settled = true
      resolve({ kind: 'exited', code, signal, stdout: stdout.text(), stderr: stderr.text() })
    })
  })
  child.stdin?.end(run.input)
  return { done, kill: () => void child.kill('SIGKILL') }
}
