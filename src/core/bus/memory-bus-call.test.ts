/** @module core/bus/memory-bus-call.test: request/reply over the in-process bus. */

import { afterEach, describe, expect, it, vi } from 'vitest'
import type { MessageMeta } from './bus.js'
import { BusTimeoutError, RemoteError } from './errors.js'
import { createMemoryBus, type MemoryBus } from './memory-bus.js'

class NotFoundThing extends Error {
  override readonly name = 'InstanceNotFoundError'
  readonly status = 404
}

function recorder() {
  const seen: { payload: unknown; meta: MessageMeta }[] = []
  const handler = async (payload: unknown, meta: MessageMeta) => {
    seen.push({ payload, meta })
  }
  return { seen, handler }
}

function deferred<T = void>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

const buses: MemoryBus[] = []
function newBus(): MemoryBus {
  const bus = createMemoryBus()
  buses.push(bus)
  return bus
}

afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(buses.splice(0).map((bus) => bus.close()))
})

describe('createMemoryBus: call', () => {
  it('resolves with the reply of one consumer', async () => {
    const bus = newBus()
    await bus.serve('compute', { getInfo: async (p) => ({ echo: p, state: 'running' }) })
    await expect(
      bus.call('compute', 'getInfo', { id: 'i1' }, { timeoutMs: 1000 }),
    ).resolves.toEqual({
      echo: { id: 'i1' },
      state: 'running',
    })
  })

  it('gives the caller a copy of the reply', async () => {
    const bus = newBus()
    const shared = { n: 1 }
    await bus.serve('t', { get: async () => shared })
    const reply = await bus.call('t', 'get', null, { timeoutMs: 1000 })
    expect(reply).toEqual(shared)
    expect(reply).not.toBe(shared)
  })

  it('turns an undefined reply into null, as JSON would', async () => {
    const bus = newBus()
    await bus.serve('t', { m: async () => undefined })
    await expect(bus.call('t', 'm', {}, { timeoutMs: 1000 })).resolves.toBeNull()
  })

  it('round-robins calls between consumers', async () => {
    const bus = newBus()
    await bus.serve('t', { who: async () => 'a' })
    await bus.serve('t', { who: async () => 'b' })
    const replies = []
    for (let i = 0; i < 4; i++) replies.push(await bus.call('t', 'who', {}, { timeoutMs: 1000 }))
    expect(replies).toEqual(['a', 'b', 'a', 'b'])
  })

  it('rejects with RemoteError carrying the remote name, message and status', async () => {
    const bus = newBus()
    await bus.serve('t', {
      get: async () => {
        throw new NotFoundThing('Instance i1 could not be found.')
      },
    })
    const error = await bus.call('t', 'get', {}, { timeoutMs: 1000 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RemoteError)
    expect(error).toMatchObject({
      remoteName: 'InstanceNotFoundError',
      remoteMessage: 'Instance i1 could not be found.',
      remoteStatus: 404,
      status: 404,
    })
  })

  it('rejects with RemoteError status 500 when the remote error had no status', async () => {
    const bus = newBus()
    await bus.serve('t', { get: () => Promise.reject(new TypeError('bad')) })
    const error = await bus.call('t', 'get', {}, { timeoutMs: 1000 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ remoteName: 'TypeError', remoteStatus: undefined, status: 500 })
  })

  it('rejects with RemoteError UnsupportedMethod for a method the consumer lacks', async () => {
    const bus = newBus()
    await bus.serve('t', { known: async () => 1 })
    await expect(bus.call('t', 'unknown', {}, { timeoutMs: 1000 })).rejects.toMatchObject({
      name: 'RemoteError',
      remoteName: 'UnsupportedMethod',
    })
  })

  it('rejects with RemoteError when the reply cannot be sent as JSON', async () => {
    const bus = newBus()
    await bus.serve('t', { m: async () => 10n })
    await expect(bus.call('t', 'm', {}, { timeoutMs: 1000 })).rejects.toMatchObject({
      remoteName: 'TypeError',
    })
  })

  it('times out with BusTimeoutError when no consumer exists', async () => {
    vi.useFakeTimers()
    const bus = newBus()
    const reply = bus.call('nobody', 'm', {}, { timeoutMs: 500 }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(500)
    const error = await reply
    expect(error).toBeInstanceOf(BusTimeoutError)
    expect(error).toMatchObject({ topic: 'nobody', method: 'm', timeoutMs: 500 })
  })

  it('does not deliver a timed-out call to a consumer that appears later', async () => {
    vi.useFakeTimers()
    const bus = newBus()
    const reply = bus.call('late', 'm', {}, { timeoutMs: 100 }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(100)
    expect(await reply).toBeInstanceOf(BusTimeoutError)
    const { seen, handler } = recorder()
    await bus.serve('late', { m: handler })
    await bus.drain()
    expect(seen).toHaveLength(0)
  })

  it('delivers a call to a consumer that appears before the timeout', async () => {
    vi.useFakeTimers()
    const bus = newBus()
    const reply = bus.call('soon', 'm', 'x', { timeoutMs: 1000 })
    await vi.advanceTimersByTimeAsync(500)
    await bus.serve('soon', { m: async (p) => `got ${String(p)}` })
    await expect(reply).resolves.toBe('got x')
  })

  it('times out when the handler is too slow, ignoring its late reply', async () => {
    vi.useFakeTimers()
    const bus = newBus()
    const release = deferred()
    await bus.serve('t', {
      slow: async () => {
        await release.promise
        return 'late'
      },
    })
    const reply = bus.call('t', 'slow', {}, { timeoutMs: 200 }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(200)
    expect(await reply).toBeInstanceOf(BusTimeoutError)
    release.resolve()
    await bus.drain()
  })

  it('refuses a timeout that is not a positive number', async () => {
    const bus = newBus()
    await expect(bus.call('t', 'm', {}, { timeoutMs: 0 })).rejects.toThrow(TypeError)
    await expect(bus.call('t', 'm', {}, { timeoutMs: Number.NaN })).rejects.toThrow(TypeError)
  })
})
