/** @module core/bus/memory-bus: the in-process Bus for all-in-one deployments and tests. */

import { randomUUID } from 'node:crypto'
import {
  hostTopic,
  type Bus,
  type CallOptions,
  type MessageHandlers,
  type MessageKind,
  type MessageMeta,
  type ServeOptions,
  type Subscription,
} from './bus.js'
import {
  BusClosedError,
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

/** The in-process bus, with a way for tests to wait for quiet. */
export interface MemoryBus extends Bus {
  /**
   * Resolves once no handler is running: every delivered message has been handled, including
   * messages those handlers sent while running. Casts waiting for a consumer that does not exist
   * are not waited for.
   */
  drain(): Promise<void>
}

/** Options of {@link createMemoryBus}. */
export interface MemoryBusOptions {
  /**
   * Told when a cast or fanout handler fails (a call's failure goes to its caller instead).
   * Defaults to a process warning.
   */
  readonly onHandlerError?: (error: unknown, meta: MessageMeta) => void
}

interface Envelope {
  readonly kind: MessageKind
  readonly topic: string
  readonly method: string
  readonly messageId: string
  /** The JSON text of the payload, decoded afresh for each delivery. */
  readonly body: string
  readonly reply?: (reply: Reply) => void
  expired?: boolean
}

interface Consumer {
  readonly handlers: MessageHandlers
  readonly topics: readonly string[]
  running: number
  readonly waiters: (() => void)[]
}

interface TopicState {
  readonly consumers: Consumer[]
  cursor: number
  readonly backlog: Envelope[]
}

/** Creates an empty in-process bus. */
export function createMemoryBus(options: MemoryBusOptions = {}): MemoryBus {
  const onHandlerError = options.onHandlerError ?? warnHandlerError
  const topics = new Map<string, TopicState>()
  const pendingCalls = new Set<(error: Error) => void>()
  const idleWaiters: (() => void)[] = []
  let running = 0
  let closed = false

  const topicState = (topic: string): TopicState => {
    let state = topics.get(topic)
    if (state === undefined) {
      state = { consumers: [], cursor: 0, backlog: [] }
      topics.set(topic, state)
    }
    return state
  }

  const settleOne = (consumer: Consumer): void => {
    running--
    consumer.running--
    if (consumer.running === 0) consumer.waiters.splice(0).forEach((wake) => wake())
    if (running === 0) idleWaiters.splice(0).forEach((wake) => wake())
  }

  const deliver = (consumer: Consumer, envelope: Envelope): void => {
    running++
    consumer.running++
    const meta: MessageMeta = Object.freeze({
      kind: envelope.kind,
      topic: envelope.topic,
      method: envelope.method,
      messageId: envelope.messageId,
    })
    const handle = async (): Promise<unknown> => {
      await Promise.resolve() // never run a handler inside the sender's own call
      const handler = findHandler(consumer.handlers, envelope.method)
      if (handler === undefined) throw new UnsupportedMethodError(envelope.topic, envelope.method)
      return handler(JSON.parse(envelope.body), meta)
    }
    handle()
      .then(
        (result) => envelope.reply?.(encodeReply(result)),
        (error: unknown) => {
          if (envelope.reply === undefined) report(onHandlerError, error, meta)
          else envelope.reply({ ok: false, error: toRemoteErrorData(error) })
        },
      )
      .finally(() => settleOne(consumer))
  }

  const enqueue = (envelope: Envelope): void => {
    const state = topicState(envelope.topic)
    state.backlog.push(envelope)
    pump(state)
  }

  const pump = (state: TopicState): void => {
    while (state.consumers.length > 0) {
      const envelope = state.backlog.shift()
      if (envelope === undefined) return
      if (envelope.expired === true) continue
      const consumer = state.consumers[state.cursor % state.consumers.length]
      state.cursor = (state.cursor + 1) % state.consumers.length
      if (consumer !== undefined) deliver(consumer, envelope)
    }
  }

  const detach = (consumer: Consumer): void => {
    for (const topic of consumer.topics) {
      const state = topics.get(topic)
      const index = state?.consumers.indexOf(consumer) ?? -1
      if (state !== undefined && index >= 0) state.consumers.splice(index, 1)
    }
  }

  const idle = (consumer?: Consumer): Promise<void> => {
    if ((consumer?.running ?? running) === 0) return Promise.resolve()
    return new Promise((resolve) => (consumer?.waiters ?? idleWaiters).push(resolve))
  }

  const assertOpen = (): void => {
    if (closed) throw new BusClosedError()
  }

  const envelope = (
    kind: MessageKind,
    topic: string,
    method: string,
    payload: unknown,
  ): Omit<Envelope, 'reply'> => {
    assertName('topic', topic)
    assertName('method', method)
    return { kind, topic, method, messageId: randomUUID(), body: encode(payload, 'payload') }
  }

  return {
    async cast(topic, method, payload) {
      assertOpen()
      enqueue(envelope('cast', topic, method, payload))
    },

    async call(topic, method, payload, options: CallOptions) {
      assertOpen()
      const { timeoutMs } = options
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
        throw new TypeError(`call timeoutMs must be a positive number, got ${timeoutMs}`)
      }
      const request = envelope('call', topic, method, payload)
      return new Promise<unknown>((resolve, reject) => {
        let settled = false
        const finish = (): boolean => {
          if (settled) return false
          settled = true
          clearTimeout(timer)
          pendingCalls.delete(abandon)
          sent.expired = true
          return true
        }
        const abandon = (error: Error): void => {
          if (!finish()) return
          const backlog = topics.get(topic)?.backlog
          const queued = backlog?.indexOf(sent) ?? -1
          if (queued >= 0) backlog?.splice(queued, 1)
          reject(error)
        }
        const sent: Envelope = {
          ...request,
          reply: (reply) => {
            if (!finish()) return
            if (reply.ok) resolve(JSON.parse(reply.body))
            else reject(new RemoteError(reply.error))
          },
        }
        const timer = setTimeout(
          () => abandon(new BusTimeoutError(topic, method, timeoutMs)),
          timeoutMs,
        )
        pendingCalls.add(abandon)
        enqueue(sent)
      })
    },

    async fanout(topic, method, payload) {
      assertOpen()
      const message = envelope('fanout', topic, method, payload)
      for (const consumer of [...topicState(topic).consumers]) deliver(consumer, message)
    },

    async serve(topic, handlers, serveOptions: ServeOptions = {}) {
      assertOpen()
      assertName('topic', topic)
      assertHandlers(topic, handlers)
      const names = [topic]
      if (serveOptions.host !== undefined) {
        assertName('host', serveOptions.host)
        names.push(hostTopic(topic, serveOptions.host))
      }
      const consumer: Consumer = {
        handlers: { ...handlers },
        topics: names,
        running: 0,
        waiters: [],
      }
      for (const name of names) topicState(name).consumers.push(consumer)
      for (const name of names) pump(topicState(name))
      let open = true
      const subscription: Subscription = {
        async close() {
          if (open) detach(consumer)
          open = false
          await idle(consumer)
        },
      }
      return subscription
    },

    async close() {
      if (!closed) {
        closed = true
        for (const state of topics.values()) {
          state.consumers.splice(0)
          state.backlog.splice(0)
        }
        for (const abandon of [...pendingCalls]) abandon(new BusClosedError())
      }
      await idle()
    },

    async drain() {
      await idle()
    },
  }
}
