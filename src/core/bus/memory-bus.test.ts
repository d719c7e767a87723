/** @module core/bus/memory-bus.test: the Bus contract and draining, in process. */

import { afterEach, describe, expect, it } from 'vitest'
import type { MessageMeta } from './bus.js'
import { describeBusConformance } from './bus.conformance.js'
import { createMemoryBus, type MemoryBus } from './memory-bus.js'

describeBusConformance('memory', {
  create: async (options) => createMemoryBus(options),
  settle: (bus) => (bus as MemoryBus).drain(),
})

function recorder() {
  const seen: { payload: unknown; meta: MessageMeta }[] = []
  const handler = async (payload: unknown, meta: MessageMeta) => {
    seen.push({ payload, meta })
  }
  return { seen, handler }
}

const buses: MemoryBus[] = []
function newBus(): MemoryBus {
  const bus = createMemoryBus()
  buses.push(bus)
  return bus
}

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()))
})

describe('createMemoryBus: ordering and drain', () => {
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

  it('round-robins casts and calls between the consumers of a topic in turn', async () => {
    const bus = newBus()
    const a = recorder()
    const b = recorder()
    await bus.serve('scheduler', { pick: a.handler, who: async () => 'a' })
    await bus.serve('scheduler', { pick: b.handler, who: async () => 'b' })
    for (let i = 0; i < 4; i++) await bus.cast('scheduler', 'pick', i)
    await bus.drain()
    expect(a.seen.map((s) => s.payload)).toEqual([0, 2])
    expect(b.seen.map((s) => s.payload)).toEqual([1, 3])
    const replies = []
    for (let i = 0; i < 2; i++) {
      replies.push(await bus.call('scheduler', 'who', {}, { timeoutMs: 1000 }))
    }
    expect(replies).toEqual(['a', 'b'])
  })

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

  it('does not wait in drain for casts that have no consumer', async () => {
    const bus = newBus()
    await bus.cast('nobody', 'm', 1)
    await expect(bus.drain()).resolves.toBeUndefined()
  })
})
