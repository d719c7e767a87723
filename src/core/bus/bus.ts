/** @module core/bus/bus: the message bus contract between API servers, conductors and agents. */

/** How a message was sent. */
export const MESSAGE_KINDS = ['cast', 'call', 'fanout'] as const
/** How a message was sent: `cast`, `call` or `fanout`. */
export type MessageKind = (typeof MESSAGE_KINDS)[number]

/** Guards a string as a {@link MessageKind}. */
export function isMessageKind(value: unknown): value is MessageKind {
  return typeof value === 'string' && (MESSAGE_KINDS as readonly string[]).includes(value)
}

/** What a handler learns about the message besides its payload. */
export interface MessageMeta {
  readonly kind: MessageKind
  /** The topic the message was sent to, e.g. `compute` or `compute.node1`. */
  readonly topic: string
  readonly method: string
  /** Unique per message (not per delivery): a redelivered message keeps its id. */
  readonly messageId: string
}

/**
 * Handles one method. It receives a private copy of the payload. For a `call`, the resolved
 * value is the reply (JSON-encoded; `undefined` becomes `null`) and a rejection becomes a
 * {@link RemoteError} at the caller; for `cast` and `fanout` the result is discarded.
 */
export type MessageHandler = (payload: unknown, meta: MessageMeta) => Promise<unknown>

/** Handlers of a topic, by method name. */
export type MessageHandlers = Readonly<Record<string, MessageHandler>>

/** Options of {@link Bus.serve}. */
export interface ServeOptions {
  /** Also consume the per-host topic `<topic>.<host>`, e.g. `compute.node1`. */
  readonly host?: string
  /**
   * Told each time the consumer is attached again after a lost connection to the broker came
   * back. Fanout messages sent meanwhile never reached it, so a consumer that keeps state from
   * them resynchronizes here. A bus that cannot lose its connection (in process) never calls it.
   */
  readonly onReattached?: () => void
}

/** Options of {@link Bus.call}. */
export interface CallOptions {
  /** How long to wait for the reply before rejecting with {@link BusTimeoutError}. */
  readonly timeoutMs: number
}

/** A consumer registered with {@link Bus.serve}. */
export interface Subscription {
  /**
   * Stops taking new messages, then resolves once the handlers already running have settled.
   * Messages not yet delivered stay queued for other consumers. Idempotent.
   */
  close(): Promise<void>
}

/**
 * Messaging between units, in process or over a broker (RabbitMQ), with oslo.messaging's
 * semantics. Payloads and replies are plain JSON: they are encoded when sent, so a receiver never
 * shares an object with the sender, and values JSON cannot hold (functions, `undefined` fields,
 * class instances) do not survive. Implementations must not reorder messages sent to one topic
 * before they are delivered, but handlers may run concurrently: callers that need ordering per
 * resource serialize it themselves (see core/tasks keyed queues).
 */
export interface Bus {
  /**
   * Sends a message to one consumer of `topic` and resolves once the bus has accepted it.
   * Consumers take turns (round robin). Delivery is at least once: a handler must tolerate
   * seeing a message twice (after a consumer crash). With no consumer, the message waits in the
   * topic's queue until one appears. A handler's failure is reported by the implementation and
   * is not redelivered, as oslo.messaging acknowledges casts whatever their outcome.
   * @throws BusClosedError once the bus is closed; TypeError when the payload is not JSON.
   */
  cast(topic: string, method: string, payload: unknown): Promise<void>

  /**
   * Sends a request to one consumer of `topic` (round robin) and resolves with its reply.
   * With no consumer, the request waits until one appears or the timeout passes.
   * @throws BusTimeoutError when no reply came within `timeoutMs`.
   * @throws RemoteError carrying the remote name, message and status when the handler failed,
   * including `UnsupportedMethod` when the consumer has no handler for `method`.
   * @throws BusClosedError when the bus is or becomes closed before the reply.
   */
  call(topic: string, method: string, payload: unknown, options: CallOptions): Promise<unknown>

  /**
   * Sends a message to every consumer of `topic` present now; with none it is dropped, as a
   * fanout exchange with no queues drops it. Failures are reported like a cast's.
   * @throws BusClosedError once the bus is closed; TypeError when the payload is not JSON.
   */
  fanout(topic: string, method: string, payload: unknown): Promise<void>

  /**
   * Consumes `topic` (and `<topic>.<host>` when `host` is given) with `handlers`, sharing the
   * work queue with the other consumers of the same topic and receiving every fanout. Resolves
   * once the consumer is ready to receive.
   * @throws BusClosedError once the bus is closed.
   */
  serve(topic: string, handlers: MessageHandlers, options?: ServeOptions): Promise<Subscription>

  /**
   * Closes every subscription, rejects pending calls with BusClosedError and refuses further
   * sends. Resolves once running handlers have settled. Idempotent.
   */
  close(): Promise<void>
}

/** Names the per-host topic a unit on `host` consumes besides `topic`. */
export function hostTopic(topic: string, host: string): string {
  return `${topic}.${host}`
}
