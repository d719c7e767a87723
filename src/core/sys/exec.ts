/** @module core/sys/exec: runs a program to completion, with a timeout and an AbortSignal */
import { runChild } from './spawner.js'

/** How to run one program. */
export interface ExecOptions {
  /** Kills the program (SIGKILL) after this many milliseconds; default 60 s. */
  timeoutMs?: number
  /** Aborts (kills) the program early. */
  signal?: AbortSignal
  /** Written to the program's standard input, which is then closed. */
  input?: string | Buffer
  cwd?: string
  /** Replaces the environment; default: the one this process started with. */
  env?: Record<string, string | undefined>
  /** Exit codes counted as success; default `[0]`. */
  okCodes?: readonly number[]
  /** Largest captured output per stream in bytes; default 4 MiB (the rest is dropped). */
  maxOutputBytes?: number
  /**
   * Appends the program's standard output and error to this file instead of capturing them
   * (its standard input is then /dev/null and `input` is not used).
   */
  outputFile?: string
}

/** What a finished program printed. */
export interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

/** A program failed to start, exited with a failing code, timed out or was aborted. */
export class ExecError extends Error {
  /** The command line, quoted as a shell would need it. */
  readonly commandLine: string
  /** Exit code, or null when the program did not exit by itself. */
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string

  constructor(
    commandLine: string,
    reason: string,
    detail: { code: number | null; stdout: string; stderr: string; cause?: unknown },
  ) {
    const tail = detail.stderr.trim().split('\n').slice(-5).join('\n')
    super(
      `${commandLine}: ${reason}${tail ? `: ${tail}` : ''}`,
      detail.cause === undefined ? undefined : { cause: detail.cause },
    )
    this.name = 'ExecError'
    this.commandLine = commandLine
    this.code = detail.code
    this.stdout = detail.stdout
    this.stderr = detail.stderr
  }
}

const SAFE_WORD = /^[\w@%+=:,./-]+$/

/** Renders argv as one shell-quoted line, for messages and logs. */
export function commandLine(program: string, args: readonly string[]): string {
  return [program, ...args]
    .map((word) => (SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`))
    .join(' ')
}

/**
 * Runs `program` with `args` (never through a shell) and resolves with its output when it
 * exits with an accepted code. Rejects with an ExecError naming the command line otherwise.
 */
export function exec(
  program: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const line = commandLine(program, args)
  const okCodes = options.okCodes ?? [0]
  return new Promise<ExecResult>((resolve, reject) => {
    let stopReason: string | undefined
    const child = runChild({
      program,
      args,
      cwd: options.cwd ?? process.cwd(),
      ...(options.env === undefined ? {} : { env: options.env }),
      maxOutputBytes: options.maxOutputBytes ?? 4 * 1024 * 1024,
      ...(options.input === undefined ? {} : { input: options.input }),
      ...(options.outputFile === undefined ? {} : { outputFile: options.outputFile }),
    })
    const stop = (reason: string): void => {
      stopReason ??= reason
      child.kill()
    }
    const timer = setTimeout(
      () => stop(`timed out after ${options.timeoutMs ?? 60_000} ms`),
      options.timeoutMs ?? 60_000,
    )
    const onAbort = (): void => stop('aborted')
    if (options.signal?.aborted) onAbort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    void child.done.then((outcome) => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      if (outcome.kind === 'not-started') {
        const detail = { code: null, stdout: '', stderr: '', cause: new Error(outcome.message) }
        reject(new ExecError(line, `could not start (${outcome.message})`, detail))
        return
      }
      const { code, signal } = outcome
      const result = { code: code ?? -1, stdout: outcome.stdout, stderr: outcome.stderr }
      if (stopReason !== undefined) {
        reject(new ExecError(line, stopReason, { ...result, code: null }))
      } else if (code === null) {
        reject(new ExecError(line, `killed by ${signal ?? 'a signal'}`, { ...result, code: null }))
      } else if (!okCodes.includes(code)) {
        reject(new ExecError(line, `exited with status ${code}`, result))
      } else {
        resolve(result)
      }
    })
  })
}
