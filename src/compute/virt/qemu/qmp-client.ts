/** @module compute/virt/qemu/qmp-client: QEMU Machine Protocol over a UNIX socket (node:net) */
import { createConnection, type Socket } from 'node:net'

/** QEMU answered a command with an error. */
export class QmpCommandError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    detail: string,
  ) {
    super(`QMP ${command} failed: ${errorClass}: ${detail}`)
    this.name = 'QmpCommandError'
  }
}

/** One QMP connection, in command mode. */
export interface QmpConnection {
  /** Runs `command` and resolves with its `return` value; rejects with QmpCommandError. */
  execute(command: string, args?: Record<string, unknown>): Promise<unknown>
  /** Resolves with the data of the next event named `name`, or undefined after `timeoutMs`. */
  waitForEvent(name: string, timeoutMs: number): Promise<unknown>
  close(): void
}

interface Pending {
  command: string
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

/** Connects to the QMP socket at `path` and negotiates capabilities. */
export async function connectQmp(path: string, timeoutMs = 5000): Promise<QmpConnection> {
  const socket: Socket = createConnection(path)
  socket.setEncoding('utf8')
  const pending = new Map<number, Pending>()
  const eventWaiters: { name: string; resolve: (data: unknown) => void }[] = []
  let greeted: (() => void) | undefined
  let failed: ((error: Error) => void) | undefined
  let nextId = 1
  let buffer = ''
  let closedError: Error | undefined

  const failAll = (error: Error): void => {
    closedError ??= error
    for (const p of pending.values()) p.reject(error)
    pending.clear()
    failed?.(error)
  }
  socket.on('error', (error) => failAll(new Error(`QMP socket ${path}: ${error.message}`)))
  socket.on('close', () => failAll(new Error(`QMP socket ${path} closed`)))
  socket.on('data', (chunk: string) => {
    buffer += chunk
    let newline: number
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim()
      buffer = buffer.slice(newline + 1)
      if (!line) continue
      let message: Record<string, unknown>
      try {
        message = JSON.parse(line) as Record<string, unknown>
      } catch {
        continue
      }
      if ('QMP' in message) {
        greeted?.()
      } else if ('event' in message) {
        const name = String(message['event'])
        for (let i = eventWaiters.length - 1; i >= 0; i--) {
          const waiter = eventWaiters[i]
          if (waiter?.name === name) {
            eventWaiters.splice(i, 1)
            waiter.resolve(message['data'] ?? {})
          }
        }
      } else if (typeof message['id'] === 'number') {
        const p = pending.get(message['id'])
        if (!p) continue
        pending.delete(message['id'])
        const error = message['error'] as { class?: string; desc?: string } | undefined
        if (error)
          p.reject(new QmpCommandError(p.command, error.class ?? 'Error', error.desc ?? ''))
        else p.resolve(message['return'])
      }
    }
  })

  const connection: QmpConnection = {
    execute(command, args) {
      if (closedError) return Promise.reject(closedError)
      const id = nextId++
      return new Promise((resolve, reject) => {
        pending.set(id, { command, resolve, reject })
        socket.write(
          `${JSON.stringify({ execute: command, id, ...(args ? { arguments: args } : {}) })}\n`,
        )
      })
    },
    waitForEvent(name, ms) {
      return new Promise((resolve) => {
        const waiter = { name, resolve }
        eventWaiters.push(waiter)
        setTimeout(() => {
          const at = eventWaiters.indexOf(waiter)
          if (at >= 0) {
            eventWaiters.splice(at, 1)
            resolve(undefined)
          }
        }, ms).unref()
      })
    },
    close() {
      socket.destroy()
    },
  }

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`QMP socket ${path}: no greeting within ${timeoutMs} ms`))
    }, timeoutMs)
    greeted = () => {
      clearTimeout(timer)
      resolve()
    }
    failed = (error) => {
      clearTimeout(timer)
      reject(error)
    }
  })
  failed = undefined
  await connection.execute('qmp_capabilities')
  return connection
}

/** Opens a connection, runs `fn`, and closes it. */
export async function withQmp<T>(path: string, fn: (qmp: QmpConnection) => Promise<T>): Promise<T> {
  const qmp = await connectQmp(path)
  try {
    return await fn(qmp)
  } finally {
    qmp.close()
  }
}
