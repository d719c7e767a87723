/** @module core/tasks/keyed-queue.test */

import { describe, expect, it } from 'vitest'
import { createKeyedQueue } from './keyed-queue.js'

function deferred<T = void>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

describe('createKeyedQueue', () => {
  it('runs work for the same key one at a time, in order', async () => {
    const queue = createKeyedQueue()
    const events: string[] = []
    const first = deferred()
    const a = queue.run('instance-1', async () => {
      events.push('a:start')
      await first.promise
      events.push('a:end')
    })
    const b = queue.run('instance-1', async () => {
      events.push('b:start')
    })
    await Promise.resolve()
    await Promise.resolve()
    expect(events).toEqual(['a:start'])
    first.resolve()
    await Promise.all([a, b])
    expect(events).toEqual(['a:start', 'a:end', 'b:start'])
  })

  it('runs work for different keys concurrently', async () => {
    const queue = createKeyedQueue()
    const gate = deferred()
    const started: string[] = []
    const a = queue.run('i1', async () => {
      started.push('i1')
      await gate.promise
    })
    const b = queue.run('i2', async () => {
      started.push('i2')
      await gate.promise
    })
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(started).toEqual(['i1', 'i2'])
    gate.resolve()
    await Promise.all([a, b])
  })

  it('resolves with the result of the work', async () => {
    const queue = createKeyedQueue()
    await expect(queue.run('k', async () => 42)).resolves.toBe(42)
    await expect(queue.run('k', () => 'sync')).resolves.toBe('sync')
  })

  it('rejects the failed run only and keeps running later work for the key', async () => {
    const queue = createKeyedQueue()
    const failing = queue.run('k', async () => {
      throw new Error('reconcile failed')
    })
    const syncFailing = queue.run('k', () => {
      throw new Error('sync failure')
    })
    const next = queue.run('k', async () => 'ok')
    await expect(failing).rejects.toThrow('reconcile failed')
    await expect(syncFailing).rejects.toThrow('sync failure')
    await expect(next).resolves.toBe('ok')
  })

  it('counts pending work per key and forgets keys once their work is done', async () => {
    const queue = createKeyedQueue()
    const gate = deferred()
    const a = queue.run('k', () => gate.promise)
    const b = queue.run('k', async () => undefined)
    expect(queue.pending('k')).toBe(2)
    expect(queue.pending('other')).toBe(0)
    expect(queue.keys()).toEqual(['k'])
    gate.resolve()
    await Promise.all([a, b])
    await queue.idle()
    expect(queue.pending('k')).toBe(0)
    expect(queue.keys()).toEqual([])
  })

  it('resolves idle() at once when nothing is queued', async () => {
    await expect(createKeyedQueue().idle()).resolves.toBeUndefined()
  })

  it('resolves idle() only after all work, including work queued while waiting', async () => {
    const queue = createKeyedQueue()
    const done: string[] = []
    const gate = deferred()
    void queue.run('a', async () => {
      await gate.promise
      done.push('a')
      void queue.run('b', async () => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        done.push('b')
      })
    })
    const idle = queue.idle()
    gate.resolve()
    await idle
    expect(done).toEqual(['a', 'b'])
  })
})
