/** @module core/log/logger: structured logs (pino) to a file and warnings to stderr */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import pino, { type Logger } from 'pino'

export type { Logger } from 'pino'

/** Where logs go. */
export interface LogOptions {
  level: string
  /** JSON log file; omitted means stderr only. */
  file?: string
}

/** A logger writing JSON lines to the file and warnings and errors to stderr. */
export function createLogger(options: LogOptions): Logger {
  const streams: pino.StreamEntry[] = [
    { level: 'warn', stream: pino.destination({ dest: 2, sync: true }) },
  ]
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true })
    const file = pino.destination({ dest: options.file, sync: false, minLength: 4096, mkdir: true })
    streams.push({ level: options.level as pino.Level, stream: file })
  }
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: {
        paths: ['password', '*.password', 'secret', '*.secret', 'token', '*.token'],
        censor: '***',
      },
    },
    pino.multistream(streams),
  )
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
