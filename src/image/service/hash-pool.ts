/** @module image/service/hash-pool: hashes computed on a few shared worker threads */
import { Worker } from 'node:worker_threads'

/*
 * The workers' code is evaluated from this string so that it runs alike from the TypeScript
 * sources (tsx, vitest) and from dist. A worker keeps any number of hashes by id and answers
 * each update (once hashed) and digest request, in order.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const hashes = new Map()
const reply = (id, fields) => parentPort.postMessage({ id, ...fields })
parentPort.on('message', (m) => {
  if (m.kind === 'drop') return void hashes.delete(m.id)
  if (m.kind === 'open') {
    try {
      hashes.set(m.id, createHash(m.algorithm))
    } catch (error) {
      hashes.set(m.id, String(error))
    }
    return
  }
  const hash = hashes.get(m.id)
  if (hash === undefined || typeof hash === 'string') return reply(m.id, { error: hash ?? 'no hash' })
  try {
    if (m.kind === 'update') {
      hash.update(new Uint8Array(m.buffer, 0, m.length))
      return reply(m.id, {})
    }
    hashes.delete(m.id)
    reply(m.id, { hex: hash.digest('hex') })
  } catch (error) {
    reply(m.id, { error: String(error) })
  }
})
`

/** One hash living on a pool worker. */
export interface PooledHash {
  /**
   * Resolves once the first `length` bytes of `buffer` are hashed. Buffers are hashed in the
   * order given; one must not change until its promise settles.
   */
  update(buffer: SharedArrayBuffer, length: number): Promise<void>
  /** Resolves the hex digest of everything hashed; the hash is gone afterwards. */
  digest(): Promise<string>
  /** Forgets the hash; pending and later calls reject. Idempotent. */
  destroy(): void
}

/** A few worker threads shared by every hash of a process part (one image unit). */
export interface HashPool {
  /** A new hash (any `crypto.createHash` algorithm) on the next worker in turn. */
  open(algorithm: string): PooledHash
  /** Stops the workers; hashes still open reject. */
  close(): Promise<void>
}

interface Reply {
  id: number
  hex?: string
  error?: string
}

interface Waiter {
  resolve: (reply: Reply) => void
  reject: (error: Error) => void
}

/** A worker and the waiters of each hash it holds, by hash id. */
interface Slot {
  worker: Worker
  waiting: Map<number, Waiter[]>
  /** Why the worker is gone, once it is. */
  dead?: Error
}

/**
 * Creates a pool of `size` workers, started on first use. Spread over the workers in turn, two
 * hashes of one stream (MD5 and SHA-512) run in parallel. Workers do not keep the process alive.
 */
export function createHashPool(size = 2): HashPool {
  const slots: (Slot | undefined)[] = new Array<Slot | undefined>(size).fill(undefined)
  let next = 0
  let lastId = 0

  const failAll = (slot: Slot, error: Error) => {
    for (const waiters of slot.waiting.values()) for (const w of waiters) w.reject(error)
    slot.waiting.clear()
  }

  const start = (index: number): Slot => {
    const worker = new Worker(WORKER_SOURCE, { eval: true })
    worker.unref()
    const slot: Slot = { worker, waiting: new Map() }
    worker.on('message', (reply: Reply) => slot.waiting.get(reply.id)?.shift()?.resolve(reply))
    const gone = (error: Error) => {
      if (slots[index] === slot) slots[index] = undefined
      slot.dead ??= error
      failAll(slot, slot.dead)
    }
    worker.on('error', gone)
    worker.on('exit', (code) => gone(new Error(`hash worker exited with code ${code}`)))
    slots[index] = slot
    return slot
  }

  return {
    open(algorithm) {
      const index = next
      next = (next + 1) % size
      const slot = slots[index] ?? start(index)
      const id = ++lastId
      const waiters: Waiter[] = []
      slot.waiting.set(id, waiters)
      let failure: Error | undefined
      const ask = (message: object): Promise<Reply> => {
        failure ??= slot.dead
        if (failure) return Promise.reject(failure)
        return new Promise<Reply>((resolve, reject) => {
          waiters.push({ resolve, reject })
          slot.worker.postMessage({ id, ...message })
        }).then((reply) => {
          if (reply.error !== undefined) throw new Error(`hash worker: ${reply.error}`)
          return reply
        })
      }
      const destroy = () => {
        failure ??= new Error('hash stopped')
        for (const waiter of waiters.splice(0)) waiter.reject(failure)
        if (slot.waiting.delete(id)) slot.worker.postMessage({ id, kind: 'drop' })
      }
      slot.worker.postMessage({ id, kind: 'open', algorithm })
      return {
        async update(buffer, length) {
          await ask({ kind: 'update', buffer, length })
        },
        async digest() {
          const reply = await ask({ kind: 'digest' })
          slot.waiting.delete(id)
          destroy()
          if (reply.hex === undefined) throw new Error('hash worker answered no digest')
          return reply.hex
        },
        destroy,
      }
    },
    async close() {
      await Promise.all(
        slots.splice(0).map(async (slot) => {
          if (!slot) return
          slot.dead = new Error('hash pool closed')
          failAll(slot, slot.dead)
          await slot.worker.terminate()
        }),
      )
    },
  }
}
