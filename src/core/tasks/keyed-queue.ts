/** @module core/tasks/keyed-queue: runs work one at a time per key (per resource), keys in parallel. */

/** Serializes work per key; work under different keys runs concurrently. */
export interface KeyedQueue {
  /**
   * Runs `fn` once every earlier `run` with the same key has settled, and resolves or rejects
   * as `fn` does. A failure does not stop later work under the key.
   */
  run<T>(key: string, fn: () => Promise<T> | T): Promise<T>
  /** Resolves once no work is queued or running under any key, including work added meanwhile. */
  idle(): Promise<void>
  /** How many runs are queued or running under `key`. */
  pending(key: string): number
  /** The keys with work queued or running. */
  keys(): string[]
}

/** Creates an empty keyed queue. */
export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, { promise: Promise<unknown>; count: number }>()
  const idleWaiters: (() => void)[] = []

  const finish = (key: string): void => {
    const entry = tails.get(key)
    if (entry === undefined) return
    entry.count--
    if (entry.count === 0) tails.delete(key)
    if (tails.size === 0) idleWaiters.splice(0).forEach((wake) => wake())
  }

  return {
    run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
      const entry = tails.get(key) ?? { promise: Promise.resolve(), count: 0 }
      const result = entry.promise.then(() => fn())
      entry.count++
      // The chain continues past a failure; the caller sees it through `result`.
      entry.promise = result.then(
        () => finish(key),
        () => finish(key),
      )
      tails.set(key, entry)
      return result
    },

    idle() {
      if (tails.size === 0) return Promise.resolve()
      return new Promise((resolve) => idleWaiters.push(resolve))
    },

    pending(key) {
      return tails.get(key)?.count ?? 0
    },

    keys() {
      return [...tails.keys()]
    },
  }
}
