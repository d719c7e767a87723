/** @module core/bus/amqp-bus.test: the Bus contract over RabbitMQ, and surviving a broker restart. */

import { randomUUID } from 'node:crypto'
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net'
import { connect } from 'amqplib'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { createAmqpBus, type AmqpBusOptions } from './amqp-bus.js'
import type { Bus } from './bus.js'
import { describeBusConformance } from './bus.conformance.js'
import { BusConnectionError, BusTimeoutError } from './errors.js'

const BROKER = 'amqp://guest:guest@127.0.0.1:5672/'

async function brokerSkipReason(): Promise<string | undefined> {
  try {
    await (await connect(BROKER)).close()
    return undefined
  } catch (error) {
    return `RabbitMQ at 127.0.0.1:5672 is unreachable: ${String(error)}`
  }
}

const skipReason = await brokerSkipReason()

const exchanges = new Set<string>()
/** Topics the tests use; each may have left a fanout exchange. */
const TOPICS = ['t', 'conductor', 'scheduler', 'compute', 'l2-agent', 'late', 'soon', 'nobody']

afterAll(async () => {
  if (skipReason !== undefined) return
  // Exchanges are not durable but outlive their users; queues expire by themselves.
  const connection = await connect(BROKER)
  const channel = await connection.createChannel()
  for (const exchange of exchanges) {
    await channel.deleteExchange(exchange)
    for (const topic of TOPICS) await channel.deleteExchange(`${exchange}.${topic}_fanout`)
  }
  await connection.close()
})

/** One exchange and queue prefix per bus family, so parallel runs and tests never collide. */
function isolated(url = BROKER): Omit<AmqpBusOptions, 'onHandlerError'> {
  const run = `nimbus-test-${randomUUID()}`
  exchanges.add(run)
  return {
    url,
    exchange: run,
    queuePrefix: `${run}.`,
    queueExpiresMs: 60_000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
  }
}

const familyOf = new WeakMap<Bus, Omit<AmqpBusOptions, 'onHandlerError'>>()

describeBusConformance('amqp', {
  ...(skipReason === undefined ? {} : { skipReason }),
  async create(options) {
    const family = isolated()
    const bus = await createAmqpBus({ ...family, ...options })
    familyOf.set(bus, family)
    return bus
  },
  async peer(bus) {
    return createAmqpBus(familyOf.get(bus) ?? isolated())
  },
  settle: () => new Promise((resolve) => setTimeout(resolve, 300)),
})

/** A TCP relay to the broker whose connections the test can cut, as a broker restart does. */
async function startRelay(): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  let refusing = false
  const server: Server = createServer((client) => {
    if (refusing) return void client.destroy()
    const upstream = tcpConnect(5672, '127.0.0.1')
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => undefined)
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}/`,
    cut() {
      refusing = true
      for (const socket of sockets) socket.destroy()
      setTimeout(() => (refusing = false), 300)
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

const suite = skipReason === undefined ? describe : describe.skip

suite('createAmqpBus: broker outages', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  it('refuses to start with BusConnectionError naming the broker when it is unreachable', async () => {
    const error = await createAmqpBus({ url: 'amqp://guest:guest@127.0.0.1:1/' }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(BusConnectionError)
    expect((error as Error).message).toMatch(/127\.0\.0\.1:1\/ is unreachable/)
  })

  it('fails an in-flight call with BusConnectionError, reconnects and serves again', async () => {
    const relay = await startRelay()
    cleanups.push(() => relay.close())
    const family = isolated(relay.url)
    const events: string[] = []
    const server = await createAmqpBus({ ...family, onLinkEvent: (e) => events.push(e.type) })
    cleanups.push(() => server.close())
    const client = await createAmqpBus({ ...isolated(BROKER), ...pick(family) })
    cleanups.push(() => client.close())
    let release = (): void => undefined
    const hanging = new Promise<void>((resolve) => (release = resolve))
    let reattached = 0
    await server.serve(
      'compute',
      { echo: async (p) => p, hang: () => hanging },
      { onReattached: () => reattached++ },
    )
    await expect(client.call('compute', 'echo', 1, { timeoutMs: 2000 })).resolves.toBe(1)

    // The caller's own connection drops while its call is in flight.
    const callerRelay = await startRelay()
    cleanups.push(() => callerRelay.close())
    const caller = await createAmqpBus({ ...isolated(callerRelay.url), ...pick(family) })
    cleanups.push(() => caller.close())
    const inFlight = caller.call('compute', 'hang', {}, { timeoutMs: 30_000 }).catch((e) => e)
    await new Promise((resolve) => setTimeout(resolve, 100))
    callerRelay.cut()
    const error = await inFlight
    expect(error).toBeInstanceOf(BusConnectionError)
    expect((error as Error).message).toMatch(/lost while waiting for a reply/)
    release()

    // The server's connection drops: it comes back and consumes its queues again.
    relay.cut()
    await vi.waitFor(() => expect(events.filter((e) => e === 'up').length).toBe(2), {
      timeout: 5000,
    })
    await expect(caller.call('compute', 'echo', 2, { timeoutMs: 5000 })).resolves.toBe(2)
    await expect(client.call('compute', 'echo', 3, { timeoutMs: 5000 })).resolves.toBe(3)
    expect(events).toContain('lost')
    // the server learns it may have missed fanouts, once per return
    expect(reattached).toBe(1)
  })

  it('times out with BusTimeoutError, not a connection error, while the broker is up', async () => {
    const bus = await createAmqpBus(isolated())
    cleanups.push(() => bus.close())
    await expect(bus.call('nobody', 'm', {}, { timeoutMs: 100 })).rejects.toBeInstanceOf(
      BusTimeoutError,
    )
  })

  it('drops, unhandled, a call the broker still held after its caller gave up', async () => {
    const family = isolated()
    const bus = await createAmqpBus(family)
    cleanups.push(() => bus.close())
    // The request reaches the queue as a late broker would keep it: no expiry, deadline passed.
    const connection = await connect(BROKER)
    cleanups.push(() => connection.close())
    const channel = await connection.createChannel()
    const queue = `${family.queuePrefix ?? ''}late`
    await channel.assertQueue(queue, { durable: false, expires: 60_000 })
    const request = (method: string, deadline: number) =>
      channel.sendToQueue(queue, Buffer.from('{}'), {
        type: method,
        contentType: 'application/json',
        headers: {
          'x-nimbus-kind': 'call',
          'x-nimbus-topic': 'late',
          'x-nimbus-deadline': deadline,
        },
      })
    request('stale', Date.now() - 1)
    request('fresh', Date.now() + 60_000)
    const seen: string[] = []
    let handled = (): void => undefined
    const fresh = new Promise<void>((resolve) => (handled = resolve))
    await bus.serve('late', {
      stale: async () => void seen.push('stale'),
      fresh: async () => {
        seen.push('fresh')
        handled()
      },
    })
    await fresh
    expect(seen).toEqual(['fresh'])
  })
})

/** The names a second process of the same cloud shares: exchange and queue prefix. */
function pick(options: AmqpBusOptions): Pick<AmqpBusOptions, 'exchange' | 'queuePrefix'> {
  return {
    ...(options.exchange === undefined ? {} : { exchange: options.exchange }),
    ...(options.queuePrefix === undefined ? {} : { queuePrefix: options.queuePrefix }),
  }
}
