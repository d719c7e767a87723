/** @module core/bus/bus.conformance: the behaviour every Bus implementation must show. */

import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Bus, MessageMeta } from './bus.js'
import { BusClosedError, BusTimeoutError, RemoteError } from './errors.js'

/** How the suite builds and waits on one implementation. */
export interface BusHarness {
  /** A fresh bus, alone on its broker. */
  create(options?: { onHandlerError?: (error: unknown, meta: MessageMeta) => void }): Promise<Bus>
  /** A second bus on the same broker as `bus` (another process's view); absent in process. */
  peer?(bus: Bus): Promise<Bus>
  /**
   * Resolves once messages sent so far had every chance to be handled, so a test can assert
   * that something did not happen (the memory bus drains; a broker waits a little).
   */
  settle(bus: Bus): Promise<void>
  /** Why the suite cannot run here (e.g. the broker is unreachable). */
  skipReason?: string
}

/** A typed remote failure, as a service's NotFoundError would be. */
function notFound(message: string): Error {
  return Object.assign(new Error(message), { name: 'InstanceNotFoundError', status: 404 })
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

const until = (check: () => void) => vi.waitFor(check, { timeout: 5_000, interval: 10 })

/** Runs the Bus contract against `harness`. */
export function describeBusConformance(name: string, harness: BusHarness): void {
  const buses: Bus[] = []
  const newBus = async (options?: Parameters<BusHarness['create']>[0]) => {
    const bus = await harness.create(options)
    buses.push(bus)
    return bus
  }
  const suite = harness.skipReason === undefined ? describe : describe.skip

  suite(`${name} bus: cast`, () => {
    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()))
    })

    it('delivers a cast to the consumer with its method, topic and a message id', async () => {
      const bus = await newBus()
      const { seen, handler } = recorder()
      await bus.serve('conductor', { buildInstances: handler })
      await bus.cast('conductor', 'buildInstances', { ids: ['a'] })
      await until(() => expect(seen).toHaveLength(1))
      expect(seen[0]?.payload).toEqual({ ids: ['a'] })
      expect(seen[0]?.meta).toMatchObject({
        kind: 'cast',
        topic: 'conductor',
        method: 'buildInstances',
      })
      expect(seen[0]?.meta.messageId).toMatch(/^[0-9a-f-]{36}$/)
    })

    it('gives the consumer a copy so no object is shared with the sender', async () => {
      const bus = await newBus()
      const { seen, handler } = recorder()
      await bus.serve('t', { m: handler })
      const payload = { nested: { value: 1 } }
      await bus.cast('t', 'm', payload)
      payload.nested.value = 2
      await until(() => expect(seen).toHaveLength(1))
      expect(seen[0]?.payload).toEqual({ nested: { value: 1 } })
      expect(seen[0]?.payload).not.toBe(payload)
    })

    it('sends payloads as JSON: dates become strings and undefined fields vanish', async () => {
      const bus = await newBus()
      const { seen, handler } = recorder()
      await bus.serve('t', { m: handler })
      await bus.cast('t', 'm', { at: new Date('2024-01-02T03:04:05Z'), gone: undefined })
      await bus.cast('t', 'm', undefined)
      await until(() => expect(seen).toHaveLength(2))
      expect(seen.map((s) => s.payload)).toEqual([{ at: '2024-01-02T03:04:05.000Z' }, null])
    })

    it('rejects a payload that cannot be sent as JSON', async () => {
      const bus = await newBus()
      const cyclic: Record<string, unknown> = {}
      cyclic.self = cyclic
      await expect(bus.cast('t', 'm', cyclic)).rejects.toThrow(TypeError)
      await expect(bus.cast('t', 'm', () => 1)).rejects.toThrow(/not JSON/)
      await expect(bus.cast('t', 'm', 10n)).rejects.toThrow(TypeError)
    })

    it('shares casts between the consumers of a topic, each message once', async () => {
      const bus = await newBus()
      const a = recorder()
      const b = recorder()
      await bus.serve('scheduler', { pick: a.handler })
      await bus.serve('scheduler', { pick: b.handler })
      for (let i = 0; i < 4; i++) await bus.cast('scheduler', 'pick', i)
      await until(() => expect(a.seen.length + b.seen.length).toBe(4))
      expect(a.seen).toHaveLength(2)
      expect(b.seen).toHaveLength(2)
      const all = [...a.seen, ...b.seen].map((s) => s.payload as number)
      expect(all.sort()).toEqual([0, 1, 2, 3])
    })

    it('queues casts until a consumer appears, then delivers them in order', async () => {
      const bus = await newBus()
      await bus.cast('conductor', 'm', 1)
      await bus.cast('conductor', 'm', 2)
      await harness.settle(bus)
      const { seen, handler } = recorder()
      await bus.serve('conductor', { m: handler })
      await until(() => expect(seen).toHaveLength(2))
      expect(seen.map((s) => s.payload)).toEqual([1, 2])
    })

    it('reports a failing cast handler and keeps delivering', async () => {
      const failures: { error: unknown; meta: MessageMeta }[] = []
      const bus = await newBus({ onHandlerError: (error, meta) => failures.push({ error, meta }) })
      const { seen, handler } = recorder()
      await bus.serve('t', {
        bad: async () => {
          throw new Error('boom')
        },
        good: handler,
      })
      await bus.cast('t', 'bad', {})
      await bus.cast('t', 'good', {})
      await until(() => expect(seen).toHaveLength(1))
      await until(() => expect(failures).toHaveLength(1))
      expect(failures[0]?.meta.method).toBe('bad')
      expect((failures[0]?.error as Error).message).toBe('boom')
    })

    it('reports a cast to a method the consumer does not handle as UnsupportedMethod', async () => {
      const failures: unknown[] = []
      const bus = await newBus({ onHandlerError: (error) => failures.push(error) })
      await bus.serve('t', { known: async () => undefined })
      await bus.cast('t', 'unknown', {})
      await bus.cast('t', 'toString', {})
      await until(() => expect(failures).toHaveLength(2))
      expect(failures.map((e) => (e as Error).name)).toEqual([
        'UnsupportedMethod',
        'UnsupportedMethod',
      ])
    })

    it('survives an error hook that throws', async () => {
      const bus = await newBus({
        onHandlerError: () => {
          throw new Error('hook failed')
        },
      })
      const { seen, handler } = recorder()
      await bus.serve('t', { m: async () => Promise.reject(new Error('x')), ok: handler })
      await bus.cast('t', 'm', {})
      await bus.cast('t', 'ok', {})
      await until(() => expect(seen).toHaveLength(1))
    })
  })

  suite(`${name} bus: per-host topics and fanout`, () => {
    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()))
    })

    it('serves both the topic and topic.host when given a host', async () => {
      const bus = await newBus()
      const node1 = recorder()
      const node2 = recorder()
      await bus.serve('compute', { run: node1.handler }, { host: 'node1' })
      await bus.serve('compute', { run: node2.handler }, { host: 'node2' })
      await bus.cast('compute.node1', 'run', 'a')
      await bus.cast('compute.node1', 'run', 'b')
      await bus.cast('compute.node2', 'run', 'c')
      await bus.cast('compute', 'run', 'd')
      await bus.cast('compute', 'run', 'e')
      await until(() => expect(node1.seen.length + node2.seen.length).toBe(5))
      const one = node1.seen.map((s) => s.payload)
      const two = node2.seen.map((s) => s.payload)
      expect(one).toEqual(expect.arrayContaining(['a', 'b']))
      expect(two).toContain('c')
      expect([...one, ...two].sort()).toEqual(['a', 'b', 'c', 'd', 'e'])
      expect(node1.seen[0]?.meta.topic).toBe('compute.node1')
      expect([...node1.seen, ...node2.seen].find((s) => s.payload === 'd')?.meta.topic).toBe(
        'compute',
      )
    })

    it('queues a cast for a host until that host serves', async () => {
      const bus = await newBus()
      await bus.serve('compute', { run: async () => undefined }, { host: 'node1' })
      await bus.cast('compute.node2', 'run', 'late')
      await harness.settle(bus)
      const node2 = recorder()
      await bus.serve('compute', { run: node2.handler }, { host: 'node2' })
      await until(() => expect(node2.seen.map((s) => s.payload)).toEqual(['late']))
    })

    it('delivers a fanout to every consumer of the topic, each with its own copy', async () => {
      const bus = await newBus()
      const a = recorder()
      const b = recorder()
      await bus.serve('l2-agent', { portUpdate: a.handler }, { host: 'n1' })
      await bus.serve('l2-agent', { portUpdate: b.handler }, { host: 'n2' })
      await bus.fanout('l2-agent', 'portUpdate', { port: 'p1' })
      await until(() => expect(a.seen.length + b.seen.length).toBe(2))
      expect(a.seen.map((s) => s.payload)).toEqual([{ port: 'p1' }])
      expect(b.seen.map((s) => s.payload)).toEqual([{ port: 'p1' }])
      expect(a.seen[0]?.payload).not.toBe(b.seen[0]?.payload)
      expect(a.seen[0]?.meta.kind).toBe('fanout')
    })

    it('drops a fanout sent when no consumer exists', async () => {
      const bus = await newBus()
      await bus.fanout('t', 'm', 1)
      await harness.settle(bus)
      const { seen, handler } = recorder()
      await bus.serve('t', { m: handler })
      await harness.settle(bus)
      expect(seen).toHaveLength(0)
    })
  })

  suite(`${name} bus: call`, () => {
    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()))
    })

    it('resolves with the reply of one consumer, as a copy', async () => {
      const bus = await newBus()
      const shared = { state: 'running' }
      await bus.serve('compute', { getInfo: async (p) => ({ echo: p, ...shared }) })
      const reply = await bus.call('compute', 'getInfo', { id: 'i1' }, { timeoutMs: 2000 })
      expect(reply).toEqual({ echo: { id: 'i1' }, state: 'running' })
      expect(reply).not.toBe(shared)
    })

    it('turns an undefined reply into null, as JSON would', async () => {
      const bus = await newBus()
      await bus.serve('t', { m: async () => undefined })
      await expect(bus.call('t', 'm', {}, { timeoutMs: 2000 })).resolves.toBeNull()
    })

    it('shares calls between consumers', async () => {
      const bus = await newBus()
      await bus.serve('t', { who: async () => 'a' })
      await bus.serve('t', { who: async () => 'b' })
      const replies = []
      for (let i = 0; i < 4; i++) replies.push(await bus.call('t', 'who', {}, { timeoutMs: 2000 }))
      expect(replies.sort()).toEqual(['a', 'a', 'b', 'b'])
    })

    it.skipIf(harness.peer === undefined)('reaches a caller on another bus', async () => {
      const server = await newBus()
      const client = (await harness.peer?.(server)) as Bus
      buses.push(client)
      await server.serve('t', { add: async (p) => (p as number) + 1 })
      await expect(client.call('t', 'add', 41, { timeoutMs: 2000 })).resolves.toBe(42)
    })

    it('rejects with RemoteError carrying the remote name, message and status', async () => {
      const bus = await newBus()
      await bus.serve('t', {
        get: async () => {
          throw notFound('Instance i1 could not be found.')
        },
        plain: () => Promise.reject(new TypeError('bad')),
      })
      const error = await bus.call('t', 'get', {}, { timeoutMs: 2000 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RemoteError)
      expect(error).toMatchObject({
        remoteName: 'InstanceNotFoundError',
        remoteMessage: 'Instance i1 could not be found.',
        remoteStatus: 404,
        status: 404,
      })
      await expect(bus.call('t', 'plain', {}, { timeoutMs: 2000 })).rejects.toMatchObject({
        remoteName: 'TypeError',
        remoteStatus: undefined,
        status: 500,
      })
    })

    it('rejects with RemoteError UnsupportedMethod for a method the consumer lacks', async () => {
      const bus = await newBus()
      await bus.serve('t', { known: async () => 1 })
      await expect(bus.call('t', 'unknown', {}, { timeoutMs: 2000 })).rejects.toMatchObject({
        name: 'RemoteError',
        remoteName: 'UnsupportedMethod',
      })
    })

    it('rejects with RemoteError when the reply cannot be sent as JSON', async () => {
      const bus = await newBus()
      await bus.serve('t', { m: async () => 10n })
      await expect(bus.call('t', 'm', {}, { timeoutMs: 2000 })).rejects.toMatchObject({
        remoteName: 'TypeError',
      })
    })

    it('times out with BusTimeoutError when no consumer exists', async () => {
      const bus = await newBus()
      const error = await bus.call('nobody', 'm', {}, { timeoutMs: 150 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(BusTimeoutError)
      expect(error).toMatchObject({ topic: 'nobody', method: 'm', timeoutMs: 150 })
    })

    it('does not deliver a timed-out call to a consumer that appears later', async () => {
      const bus = await newBus()
      const reply = await bus.call('late', 'm', {}, { timeoutMs: 100 }).catch((e: unknown) => e)
      expect(reply).toBeInstanceOf(BusTimeoutError)
      const { seen, handler } = recorder()
      await bus.serve('late', { m: handler })
      await harness.settle(bus)
      expect(seen).toHaveLength(0)
    })

    it('delivers a call to a consumer that appears before the timeout', async () => {
      const bus = await newBus()
      const reply = bus.call('soon', 'm', 'x', { timeoutMs: 3000 })
      await new Promise((resolve) => setTimeout(resolve, 100))
      await bus.serve('soon', { m: async (p) => `got ${String(p)}` })
      await expect(reply).resolves.toBe('got x')
    })

    it('times out when the handler is too slow, ignoring its late reply', async () => {
      const bus = await newBus()
      const release = deferred()
      await bus.serve('t', {
        slow: async () => {
          await release.promise
          return 'late'
        },
      })
      const reply = await bus.call('t', 'slow', {}, { timeoutMs: 150 }).catch((e: unknown) => e)
      expect(reply).toBeInstanceOf(BusTimeoutError)
      release.resolve()
      await harness.settle(bus)
    })

    it('refuses a timeout that is not a positive number', async () => {
      const bus = await newBus()
      await expect(bus.call('t', 'm', {}, { timeoutMs: 0 })).rejects.toThrow(TypeError)
      await expect(bus.call('t', 'm', {}, { timeoutMs: Number.NaN })).rejects.toThrow(TypeError)
    })
  })

  suite(`${name} bus: subscriptions and closing`, () => {
    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()))
    })

    it('stops delivering to a closed subscription and sends its share to the others', async () => {
      const bus = await newBus()
      const a = recorder()
      const b = recorder()
      const subA = await bus.serve('t', { m: a.handler })
      await bus.serve('t', { m: b.handler })
      await subA.close()
      await bus.cast('t', 'm', 1)
      await bus.cast('t', 'm', 2)
      await until(() => expect(b.seen).toHaveLength(2))
      expect(a.seen).toHaveLength(0)
    })

    it('waits for running handlers when a subscription closes', async () => {
      const bus = await newBus()
      const release = deferred()
      const started = deferred()
      let finished = false
      const sub = await bus.serve('t', {
        m: async () => {
          started.resolve()
          await release.promise
          finished = true
        },
      })
      await bus.cast('t', 'm', {})
      await started.promise
      const closing = sub.close()
      release.resolve()
      await closing
      expect(finished).toBe(true)
      await expect(sub.close()).resolves.toBeUndefined()
    })

    it('rejects pending calls and later sends once the bus is closed', async () => {
      const bus = await newBus()
      const pending = bus.call('nobody', 'm', {}, { timeoutMs: 60_000 }).catch((e: unknown) => e)
      await bus.close()
      expect(await pending).toBeInstanceOf(BusClosedError)
      await expect(bus.cast('t', 'm', {})).rejects.toBeInstanceOf(BusClosedError)
      await expect(bus.fanout('t', 'm', {})).rejects.toBeInstanceOf(BusClosedError)
      await expect(bus.call('t', 'm', {}, { timeoutMs: 10 })).rejects.toBeInstanceOf(BusClosedError)
      await expect(bus.serve('t', {})).rejects.toBeInstanceOf(BusClosedError)
      await expect(bus.close()).resolves.toBeUndefined()
    })

    it('refuses handlers that are not functions and empty topic names', async () => {
      const bus = await newBus()
      await expect(bus.serve('t', { m: 'nope' as never })).rejects.toThrow(/not a function/)
      await expect(bus.serve('', {})).rejects.toThrow(TypeError)
      await expect(bus.cast('', 'm', {})).rejects.toThrow(TypeError)
    })
  })
}
