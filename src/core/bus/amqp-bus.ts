/** @module core/bus/amqp-bus: the Bus over AMQP 0-9-1 (RabbitMQ), laid out as oslo.messaging. */

import { randomUUID } from 'node:crypto'
import type { Channel, ConsumeMessage, Options } from 'amqplib'
import {
  hostTopic,
  isMessageKind,
  type Bus,
  type MessageHandlers,
  type MessageKind,
  type MessageMeta,
  type ServeOptions,
  type Subscription,
} from './bus.js'
import { openAmqpLink, type AmqpLinkEvent, type AmqpSession } from './amqp-link.js'
import {
  BusClosedError,
  BusConnectionError,
  BusTimeoutError,
  RemoteError,
  toRemoteErrorData,
  UnsupportedMethodError,
} from './errors.js'
import {
  assertHandlers,
  assertName,
  encode,
  encodeReply,
  findHandler,
  report,
  warnHandlerError,
  type Reply,
} from './message-codec.js'

/** Options of {@link createAmqpBus}. */
export interface AmqpBusOptions {
  /** `amqp://user:pass@host:5672/vhost` (see core/bus/transport-url for `rabbit://`). */
  readonly url: string
  /** The topic exchange every unit of one cloud shares (oslo's control exchange). */
  readonly exchange?: string
  /** Prepended to every queue name, so clouds sharing a vhost keep apart. Default none. */
  readonly queuePrefix?: string
  /**
   * Lets the broker delete a topic queue no consumer has used for this long (RabbitMQ
   * `x-expires`). Default: queues stay. Every process of a cloud must use the same value.
   */
  readonly queueExpiresMs?: number
  /** Messages one subscription handles at once before the broker holds the rest. Default 64. */
  readonly prefetch?: number
  /** How long a cast or fanout waits for a lost connection to come back. Default 10 s. */
  readonly sendWaitMs?: number
  /** Told when a cast or fanout handler fails. Defaults to a process warning. */
  readonly onHandlerError?: (error: unknown, meta: MessageMeta) => void
  /** Told about connection losses and reconnections (for logs). */
  readonly onLinkEvent?: (event: AmqpLinkEvent) => void
  /** Reconnection backoff: first delay and ceiling. Defaults 100 ms and 5 s. */
  readonly reconnect?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number }
}

interface PendingCall {
  readonly fail: (error: Error) => void
  readonly settle: (reply: Reply) => void
}

interface Consumer {
  readonly topic: string
  readonly queues: readonly string[]
  readonly handlers: MessageHandlers
  open: boolean
  running: number
  readonly waiters: (() => void)[]
  /** The channel of the current connection, with its consumer tags. */
  attached?: { readonly channel: Channel; readonly tags: string[]; readonly generation: number }
  /** Whether it was attached on an earlier connection (so the next attachment is a return). */
  everAttached?: boolean
  readonly onReattached?: () => void
}

const HEADER_KIND = 'x-nimbus-kind'
const HEADER_TOPIC = 'x-nimbus-topic'
/** When the caller gives up on a call (ms since the epoch, the caller's clock). */
const HEADER_DEADLINE = 'x-nimbus-deadline'

/**
 * Connects to the broker and returns a Bus over it. Topics map onto RabbitMQ as oslo.messaging
 * lays them out: one topic exchange (`exchange`), one shared queue per topic (`compute`) and per
 * topic and host (`compute.node1`) bound by the same routing key, one fanout exchange per topic
 * (`<exchange>.<topic>_fanout`) with an exclusive queue per consumer, and one exclusive reply
 * queue per bus with correlation ids. Queues and exchanges are not durable, as oslo's defaults.
 * A lost connection is re-established with backoff and every subscription resumes; calls in
 * flight when it dropped reject with BusConnectionError.
 * @throws BusConnectionError when the broker is unreachable at start.
 */
export async function createAmqpBus(options: AmqpBusOptions): Promise<Bus> {
  const exchange = options.exchange ?? 'nimbus'
  const prefix = options.queuePrefix ?? ''
  const prefetch = options.prefetch ?? 64
  const sendWaitMs = options.sendWaitMs ?? 10_000
  const onHandlerError = options.onHandlerError ?? warnHandlerError
  const replyQueue = `${prefix}reply_${randomUUID()}`
  const consumers = new Set<Consumer>()
  const pending = new Map<string, PendingCall>()
  const declared = new Map<string, Promise<unknown>>()
  const idleWaiters: (() => void)[] = []
  let running = 0
  let closed = false

  const queueName = (topic: string): string => `${prefix}${topic}`
  const fanoutExchange = (topic: string): string => `${exchange}.${topic}_fanout`

  /** Declares once per connection; a failure is retried by the next send. */
  const once = (session: AmqpSession, key: string, declare: () => Promise<unknown>) => {
    const id = `${session.generation}:${key}`
    let done = declared.get(id)
    if (done === undefined) {
      done = declare().catch((error: unknown) => {
        declared.delete(id)
        throw error
      })
      declared.set(id, done)
    }
    return done
  }

  const ensureQueue = (session: AmqpSession, topic: string) =>
    once(session, `q:${topic}`, async () => {
      await session.publisher.assertQueue(queueName(topic), {
        durable: false,
        ...(options.queueExpiresMs === undefined ? {} : { expires: options.queueExpiresMs }),
      })
      await session.publisher.bindQueue(queueName(topic), exchange, topic)
    })

  const ensureFanout = (session: AmqpSession, topic: string) =>
    once(session, `f:${topic}`, () =>
      session.publisher.assertExchange(fanoutExchange(topic), 'fanout', { durable: false }),
    )

  const publish = (
    session: AmqpSession,
    target: { exchange: string; routingKey: string },
    body: string,
    properties: Options.Publish,
  ): Promise<void> =>
    new Promise((resolve, reject) => {
      session.publisher.publish(
        target.exchange,
        target.routingKey,
        Buffer.from(body),
        { contentType: 'application/json', ...properties },
        (error: unknown) =>
          error
            ? reject(new BusConnectionError(`The broker refused a message: ${String(error)}`))
            : resolve(),
      )
    })

  const settled = (consumer: Consumer): void => {
    running--
    consumer.running--
    if (consumer.running === 0) consumer.waiters.splice(0).forEach((wake) => wake())
    if (running === 0) idleWaiters.splice(0).forEach((wake) => wake())
  }

  const idle = (consumer?: Consumer): Promise<void> => {
    if ((consumer?.running ?? running) === 0) return Promise.resolve()
    return new Promise((resolve) => (consumer?.waiters ?? idleWaiters).push(resolve))
  }

  const sendReply = async (message: ConsumeMessage, reply: Reply): Promise<void> => {
    const { replyTo, correlationId } = message.properties as {
      replyTo?: string
      correlationId?: string
    }
    const session = link.current()
    if (replyTo === undefined || correlationId === undefined || session === undefined) return
    await publish(session, { exchange: '', routingKey: replyTo }, JSON.stringify(reply), {
      correlationId,
    })
  }

  const deliver = (consumer: Consumer, channel: Channel, message: ConsumeMessage): void => {
    const headers = (message.properties.headers ?? {}) as Record<string, unknown>
    const kind: MessageKind = isMessageKind(headers[HEADER_KIND]) ? headers[HEADER_KIND] : 'cast'
    const deadline = headers[HEADER_DEADLINE]
    // The broker's per-message expiry starts when the message reaches it, a little after the
    // caller's clock started: a call whose caller already gave up is dropped here, unhandled.
    if (kind === 'call' && typeof deadline === 'number' && Date.now() > deadline) {
      try {
        channel.ack(message)
      } catch {
        // The channel closed meanwhile: the redelivered copy is dropped the same way.
      }
      return
    }
    running++
    consumer.running++
    const meta: MessageMeta = Object.freeze({
      kind,
      topic: typeof headers[HEADER_TOPIC] === 'string' ? headers[HEADER_TOPIC] : consumer.topic,
      method: String(message.properties.type ?? ''),
      messageId: String(message.properties.messageId ?? ''),
    })
    const handle = async (): Promise<unknown> => {
      const handler = findHandler(consumer.handlers, meta.method)
      if (handler === undefined) throw new UnsupportedMethodError(meta.topic, meta.method)
      return handler(JSON.parse(message.content.toString('utf8')), meta)
    }
    handle()
      .then(
        (result) => (kind === 'call' ? sendReply(message, encodeReply(result)) : undefined),
        (error: unknown) =>
          kind === 'call'
            ? sendReply(message, { ok: false, error: toRemoteErrorData(error) })
            : report(onHandlerError, error, meta),
      )
      .catch((error: unknown) => report(onHandlerError, error, meta))
      .finally(() => {
        // Acknowledged after handling (at least once); a lost channel requeues it instead.
        if (consumer.attached?.channel === channel) {
          try {
            channel.ack(message)
          } catch {
            // The channel closed meanwhile: the broker redelivers the message.
          }
        }
        settled(consumer)
      })
  }

  const attach = async (session: AmqpSession, consumer: Consumer): Promise<void> => {
    const channel = await session.connection.createChannel()
    channel.on('error', () => undefined)
    await channel.prefetch(prefetch)
    const tags: string[] = []
    const onMessage = (message: ConsumeMessage | null): void => {
      if (message !== null && consumer.open) deliver(consumer, channel, message)
    }
    for (const queue of consumer.queues) {
      await ensureQueue(session, queue)
      tags.push((await channel.consume(queueName(queue), onMessage)).consumerTag)
    }
    await ensureFanout(session, consumer.topic)
    const own = await channel.assertQueue('', { exclusive: true, autoDelete: true })
    await channel.bindQueue(own.queue, fanoutExchange(consumer.topic), '')
    tags.push((await channel.consume(own.queue, onMessage)).consumerTag)
    consumer.attached = { channel, tags, generation: session.generation }
    consumer.everAttached = true
    // Closed while attaching: give back whatever the new channel already took.
    if (!consumer.open) await channel.close().catch(() => undefined)
  }

  const onReply = (message: ConsumeMessage | null): void => {
    const id = message?.properties.correlationId as string | undefined
    const call = id === undefined ? undefined : pending.get(id)
    if (message === null || call === undefined) return
    try {
      call.settle(JSON.parse(message.content.toString('utf8')) as Reply)
    } catch (error) {
      call.fail(new BusConnectionError(`Unreadable reply: ${String(error)}`))
    }
  }

  const link = await openAmqpLink({
    url: options.url,
    ...(options.reconnect ?? {}),
    ...(options.onLinkEvent ? { onEvent: options.onLinkEvent } : {}),
    async onUp(session) {
      await session.publisher.assertExchange(exchange, 'topic', { durable: false })
      await session.publisher.assertQueue(replyQueue, { exclusive: true, autoDelete: true })
      await session.publisher.consume(replyQueue, onReply, { noAck: true })
      for (const consumer of consumers) {
        if (!consumer.open) continue
        const returning = consumer.everAttached === true
        await attach(session, consumer)
        if (returning) consumer.onReattached?.()
      }
    },
    onDown(error) {
      declared.clear()
      for (const consumer of consumers) delete consumer.attached
      for (const call of [...pending.values()]) {
        call.fail(
          new BusConnectionError(
            `The connection to the message broker was lost while waiting for a reply (${error.message}); the request may or may not have been handled`,
          ),
        )
      }
    },
  })

  const assertOpen = (): void => {
    if (closed) throw new BusClosedError()
  }

  const prepare = (kind: MessageKind, topic: string, method: string, payload: unknown) => {
    assertOpen()
    assertName('topic', topic)
    assertName('method', method)
    const headers = { [HEADER_KIND]: kind, [HEADER_TOPIC]: topic }
    return { body: encode(payload, 'payload'), headers, messageId: randomUUID(), type: method }
  }

  return {
    async cast(topic, method, payload) {
      const { body, ...properties } = prepare('cast', topic, method, payload)
      const session = await link.session(sendWaitMs)
      await ensureQueue(session, topic)
      await publish(session, { exchange, routingKey: topic }, body, properties)
    },

    async fanout(topic, method, payload) {
      const { body, ...properties } = prepare('fanout', topic, method, payload)
      const session = await link.session(sendWaitMs)
      await ensureFanout(session, topic)
      await publish(session, { exchange: fanoutExchange(topic), routingKey: topic }, body, {
        ...properties,
      })
    },

    async call(topic, method, payload, { timeoutMs }) {
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
        throw new TypeError(`call timeoutMs must be a positive number, got ${timeoutMs}`)
      }
      const { body, ...properties } = prepare('call', topic, method, payload)
      const deadline = Date.now() + timeoutMs
      const correlationId = randomUUID()
      return new Promise<unknown>((resolve, reject) => {
        const finish = (): boolean => {
          if (!pending.has(correlationId)) return false
          pending.delete(correlationId)
          clearTimeout(timer)
          return true
        }
        const fail = (error: Error): void => {
          if (finish()) reject(error)
        }
        const timer = setTimeout(
          () => fail(new BusTimeoutError(topic, method, timeoutMs)),
          timeoutMs,
        )
        pending.set(correlationId, {
          fail,
          settle: (reply) => {
            if (!finish()) return
            if (reply.ok) resolve(JSON.parse(reply.body))
            else reject(new RemoteError(reply.error))
          },
        })
        const send = async (): Promise<void> => {
          const session = await link.session(Math.max(1, deadline - Date.now()))
          await ensureQueue(session, topic)
          // a caller that gave up while the channel was being set up sends nothing
          if (!pending.has(correlationId)) return
          const left = Math.max(1, deadline - Date.now())
          // The broker drops a request nobody took before the caller gave up.
          await publish(session, { exchange, routingKey: topic }, body, {
            ...properties,
            headers: { ...properties.headers, [HEADER_DEADLINE]: deadline },
            correlationId,
            replyTo: replyQueue,
            expiration: String(left),
          })
        }
        send().catch((error: unknown) =>
          fail(error instanceof Error ? error : new BusConnectionError(String(error))),
        )
      })
    },

    async serve(topic, handlers, serveOptions: ServeOptions = {}) {
      assertOpen()
      assertName('topic', topic)
      assertHandlers(topic, handlers)
      const queues = [topic]
      if (serveOptions.host !== undefined) {
        assertName('host', serveOptions.host)
        queues.push(hostTopic(topic, serveOptions.host))
      }
      const consumer: Consumer = {
        topic,
        queues,
        handlers: { ...handlers },
        open: true,
        running: 0,
        waiters: [],
        ...(serveOptions.onReattached ? { onReattached: serveOptions.onReattached } : {}),
      }
      const session = await link.session(sendWaitMs)
      consumers.add(consumer)
      try {
        await attach(session, consumer)
      } catch (error) {
        consumers.delete(consumer)
        throw error
      }
      return {
        async close() {
          if (consumer.open) {
            consumer.open = false
            const attached = consumer.attached
            for (const tag of attached?.tags ?? []) {
              await attached?.channel.cancel(tag).catch(() => undefined)
            }
          }
          await idle(consumer)
          consumers.delete(consumer)
          const channel = consumer.attached?.channel
          delete consumer.attached
          // Closing the channel returns prefetched, unstarted messages to the queue.
          await channel?.close().catch(() => undefined)
        },
      } satisfies Subscription
    },

    async close() {
      if (!closed) {
        closed = true
        for (const call of [...pending.values()]) call.fail(new BusClosedError())
        for (const consumer of consumers) consumer.open = false
      }
      await idle()
      consumers.clear()
      await link.close()
    },
  }
}
