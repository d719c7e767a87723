/** @module core/bus/memory-bus.test */

import { afterEach, describe, expect, it, vi } from 'vitest'
import type { MessageMeta } from './bus.js'
import { BusClosedError } from './errors.js'
import { createMemoryBus, type MemoryBus } from './memory-bus.js'

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
function newBus(options?: Parameters<typeof createMemoryBus>[0]): MemoryBus {
  const bus = createMemoryBus(options)
  buses.push(bus)
  return bus
}

afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(buses.splice(0).map((bus) => bus.close()))
})

describe('createMemoryBus: cast', () => {
  it('delivers a cast to the consumer with its method, topic and a message id', async () => {
    const bus = newBus()
    const { seen, handler } = recorder()
    await bus.serve('conductor', { buildInstances: handler })
    await bus.cast('conductor', 'buildInstances', { ids: ['a'] })
    await bus.drain()
    expect(seen).toHaveLength(1)
    expect(seen[0]?.payload).toEqual({ ids: ['a'] })
    expect(seen[0]?.meta).toMatchObject({
      kind: 'cast',
      topic: 'conductor',
      method: 'buildInstances',
    })
    expect(seen[0]?.meta.messageId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('does not run the handler before cast returns', async () => {
    const bus = newBus()
    const { seen, handler } = recorder()
    await bus.serve('t', { m: handler })
    const sent = bus.cast('t', 'm', 1)
    expect(seen).toHaveLength(0)
    await sent
    await bus.drain()
    expect(seen).toHaveLength(1)
  })

  it('gives the consumer a copy so no object is shared with the sender', async () => {
    const bus = newBus()
    const { seen, handler } = recorder()
    await bus.serve('t', { m: handler })
    const payload = { nested: { value: 1 } }
    await bus.cast('t', 'm', payload)
    payload.nested.value = 2
    await bus.drain()
    expect(seen[0]?.payload).toEqual({ nested: { value: 1 } })
    expect(seen[0]?.payload).not.toBe(payload)
  })

  it('sends payloads as JSON: dates become strings and undefined fields vanish', async () => {
    const bus = newBus()
    const { seen, handler } = recorder()
    await bus.serve('t', { m: handler })
    await bus.cast('t', 'm', { at: new Date('2024-01-02T03:04:05Z'), gone: undefined })
    await bus.cast('t', 'm', undefined)
    await bus.drain()
    expect(seen.map((s) => s.payload)).toEqual([{ at: '2024-01-02T03:04:05.000Z' }, null])
  })

  it('rejects a payload that cannot be sent as JSON', async () => {
    const bus = newBus()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    await expect(bus.cast('t', 'm', cyclic)).rejects.toThrow(TypeError)
    await expect(bus.cast('t', 'm', () => 1)).rejects.toThrow(/not JSON/)
    await expect(bus.cast('t', 'm', 10n)).rejects.toThrow(TypeError)
  })

  it('round-robins casts between the consumers of a topic', async () => {
    const bus = newBus()
    const a = recorder()
    const b = recorder()
    await bus.serve('scheduler', { pick: a.handler })
    await bus.serve('scheduler', { pick: b.handler })
    for (let i = 0; i < 4; i++) await bus.cast('scheduler', 'pick', i)
    await bus.drain()
    expect(a.seen.map((s) => s.payload)).toEqual([0, 2])
    expect(b.seen.map((s) => s.payload)).toEqual([1, 3])
  })

  it('queues casts until a consumer appears, then delivers them in order', async () => {
    const bus = newBus()
    await bus.cast('conductor', 'm', 1)
    await bus.cast('conductor', 'm', 2)
    await bus.drain()
    const { seen, handler } = recorder()
    await bus.serve('conductor', { m: handler })
    await bus.drain()
    expect(seen.map((s) => s.payload)).toEqual([1, 2])
  })

  it('reports a failing cast handler and keeps delivering', async () => {
    const failures: { error: unknown; meta: MessageMeta }[] = []
    const bus = newBus({ onHandlerError: (error, meta) => failures.push({ error, meta }) })
    const { seen, handler } = recorder()
    await bus.serve('t', {
      bad: async () => {
        throw new Error('boom')
      },
      good: handler,
    })
    await bus.cast('t', 'bad', {})
    await bus.cast('t', 'good', {})
    await bus.drain()
    expect(failures).toHaveLength(1)
    expect(failures[0]?.meta.method).toBe('bad')
    expect((failures[0]?.error as Error).message).toBe('boom')
    expect(seen).toHaveLength(1)
  })

  it('reports a cast to a method the consumer does not handle as UnsupportedMethod', async () => {
    const failures: unknown[] = []
    const bus = newBus({ onHandlerError: (error) => failures.push(error) })
    await bus.serve('t', { known: async () => undefined })
    await bus.cast('t', 'unknown', {})
    await bus.cast('t', 'toString', {})
    await bus.drain()
    expect(failures.map((e) => (e as Error).name)).toEqual([
      'UnsupportedMethod',
      'UnsupportedMethod',
    ])
  })

  it('survives an error hook that throws', async () => {
    const bus = newBus({
      onHandlerError: () => {
        throw new Error('hook failed')
      },
    })
    await bus.serve('t', { m: async () => Promise.reject(new Error('x')) })
    await bus.cast('t', 'm', {})
    await expect(bus.drain()).resolves.toBeUndefined()
  })
})

describe('createMemoryBus: per-host topics', () => {
  it('serves both the topic and topic.host when given a host', async () => {
    const bus = newBus()
    const node1 = recorder()
    const node2 = recorder()
    await bus.serve('compute', { run: node1.handler }, { host: 'node1' })
    await bus.serve('compute', { run: node2.handler }, { host: 'node2' })
    await bus.cast('compute.node1', 'run', 'a')
    await bus.cast('compute.node1', 'run', 'b')
    await bus.cast('compute.node2', 'run', 'c')
    await bus.cast('compute', 'run', 'd')
    await bus.cast('compute', 'run', 'e')
    await bus.drain()
    expect(node1.seen.map((s) => s.payload)).toEqual(['a', 'b', 'd'])
    expect(node2.seen.map((s) => s.payload)).toEqual(['c', 'e'])
    expect(node1.seen[0]?.meta.topic).toBe('compute.node1')
    expect(node1.seen[2]?.meta.topic).toBe('compute')
  })

  it('queues a cast for a host until that host serves', async () => {
    const bus = newBus()
    await bus.serve('compute', { run: async () => undefined }, { host: 'node1' })
    await bus.cast('compute.node2', 'run', 'late')
    const node2 = recorder()
    await bus.serve('compute', { run: node2.handler }, { host: 'node2' })
    await bus.drain()
    expect(node2.seen.map((s) => s.payload)).toEqual(['late'])
  })
})

describe('createMemoryBus: fanout', () => {
  it('delivers a fanout to every consumer of the topic, each with its own copy', async () => {
    const bus = newBus()
    const a = recorder()
    const b = recorder()
    await bus.serve('l2-agent', { portUpdate: a.handler }, { host: 'n1' })
    await bus.serve('l2-agent', { portUpdate: b.handler }, { host: 'n2' })
    await bus.fanout('l2-agent', 'portUpdate', { port: 'p1' })
    await bus.drain()
    expect(a.seen.map((s) => s.payload)).toEqual([{ port: 'p1' }])
    expect(b.seen.map((s) => s.payload)).toEqual([{ port: 'p1' }])
    expect(a.seen[0]?.payload).not.toBe(b.seen[0]?.payload)
    expect(a.seen[0]?.meta.kind).toBe('fanout')
  })

  it('drops a fanout sent when no consumer exists', async () => {
    const bus = newBus()
    await bus.fanout('t', 'm', 1)
    const { seen, handler } = recorder()
    await bus.serve('t', { m: handler })
    await bus.drain()
    expect(seen).toHaveLength(0)
  })
})

describe('createMemoryBus: drain, subscriptions and closing', () => {
  it('drains messages that handlers send while handling', async () => {
    const bus = newBus()
    const { seen, handler } = recorder()
    await bus.serve('conductor', {
      build: async (p) => {
        await bus.cast('compute', 'spawn', p)
      },
    })
    await bus.serve('compute', { spawn: handler })
    await bus.cast('conductor', 'build', 'vm1')
    await bus.drain()
    expect(seen.map((s) => s.payload)).toEqual(['vm1'])
  })

  it('stops delivering to a closed subscription and sends its share to the others', async () => {
    const bus = newBus()
    const a = recorder()
    const b = recorder()
    const subA = await bus.serve('t', { m: a.handler })
    await bus.serve('t', { m: b.handler })
    await subA.close()
    await bus.cast('t', 'm', 1)
    await bus.cast('t', 'm', 2)
    await bus.drain()
    expect(a.seen).toHaveLength(0)
    expect(b.seen).toHaveLength(2)
  })

  it('waits for running handlers when a subscription closes', async () => {
    const bus = newBus()
    const release = deferred()
    let finished = false
    const sub = await bus.serve('t', {
      m: async () => {
        await release.promise
        finished = true
      },
    })
    await bus.cast('t', 'm', {})
    await Promise.resolve()
    const closing = sub.close()
    release.resolve()
    await closing
    expect(finished).toBe(true)
    await expect(sub.close()).resolves.toBeUndefined()
  })

  it('rejects pending calls and later sends once the bus is closed', async () => {
    const bus = newBus()
    const pending = bus.call('nobody', 'm', {}, { timeoutMs: 60_000 })
    await bus.close()
    await expect(pending).rejects.toBeInstanceOf(BusClosedError)
    await expect(bus.cast('t', 'm', {})).rejects.toBeInstanceOf(BusClosedError)
    await expect(bus.fanout('t', 'm', {})).rejects.toBeInstanceOf(BusClosedError)
    await expect(bus.call('t', 'm', {}, { timeoutMs: 10 })).rejects.toBeInstanceOf(BusClosedError)
    await expect(bus.serve('t', {})).rejects.toBeInstanceOf(BusClosedError)
    await expect(bus.close()).resolves.toBeUndefined()
  })

  it('refuses handlers that are not functions and empty topic names', async () => {
    const bus = newBus()
    await expect(bus.serve('t', { m: 'nope' as never })).rejects.toThrow(/not a function/)
    await expect(bus.serve('', {})).rejects.toThrow(TypeError)
    await expect(bus.cast('', 'm', {})).rejects.toThrow(TypeError)
  })
})
