/** @module core/bus/amqp-link: one AMQP connection that comes back after the broker goes away. */

import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib'
import { BusConnectionError } from './errors.js'

/** An open connection and its publishing channel, valid until `generation` changes. */
export interface AmqpSession {
  readonly connection: ChannelModel
  /** Publishes with broker confirms and declares exchanges and queues. */
  readonly publisher: ConfirmChannel
  /** Counts connections: a session with an older generation is gone. */
  readonly generation: number
}

/** Options of {@link openAmqpLink}. */
export interface AmqpLinkOptions {
  /** `amqp://user:pass@host:port/vhost`. */
  readonly url: string
  /** Runs on every new connection before senders may use it (declare, consume). */
  readonly onUp: (session: AmqpSession) => Promise<void>
  /** Runs when an established connection is lost, before reconnecting starts. */
  readonly onDown: (error: Error) => void
  /** Told about each failed attempt and each loss (for logs). */
  readonly onEvent?: (event: AmqpLinkEvent) => void
  /** First reconnection delay; doubles up to {@link maxDelayMs}. Default 100 ms. */
  readonly initialDelayMs?: number
  /** Longest reconnection delay. Default 5 s. */
  readonly maxDelayMs?: number
  /** TCP connect and handshake timeout. Default 5 s. */
  readonly connectTimeoutMs?: number
}

/** Something that happened to the link. */
export type AmqpLinkEvent =
  | { readonly type: 'lost'; readonly error: Error }
  | { readonly type: 'retry'; readonly error: Error; readonly delayMs: number }
  | { readonly type: 'up'; readonly generation: number }

/** A connection that reconnects with backoff until closed. */
export interface AmqpLink {
  /**
   * The current session, waiting up to `waitMs` for a reconnection.
   * @throws BusConnectionError when the broker is still unreachable after `waitMs`.
   */
  session(waitMs: number): Promise<AmqpSession>
  /** The session if connected now. */
  current(): AmqpSession | undefined
  /** Closes the connection and stops reconnecting. Idempotent. */
  close(): Promise<void>
}

/**
 * Connects once (rejecting with BusConnectionError when the broker is unreachable, so a
 * misconfigured process fails at start), then keeps the connection up: when it drops, `onDown`
 * runs, and reconnection is tried with exponential backoff until it succeeds or the link closes.
 */
export async function openAmqpLink(options: AmqpLinkOptions): Promise<AmqpLink> {
  const initialDelay = options.initialDelayMs ?? 100
  const maxDelay = options.maxDelayMs ?? 5_000
  const where = describeUrl(options.url)
  let current: AmqpSession | undefined
  let generation = 0
  let closed = false
  let timer: NodeJS.Timeout | undefined
  let lastError: Error = new Error('not connected yet')
  const waiters = new Set<() => void>()

  const establish = async (): Promise<void> => {
    const connection = await connect(withHeartbeat(options.url), {
      timeout: options.connectTimeoutMs ?? 5_000,
    })
    try {
      const publisher = await connection.createConfirmChannel()
      const session: AmqpSession = { connection, publisher, generation: ++generation }
      // Channel errors (a broker refusal) end the channel; restart the whole session cleanly.
      publisher.on('error', () => undefined)
      publisher.on('close', () => {
        if (current === session) void connection.close().catch(() => undefined)
      })
      connection.on('error', () => undefined)
      connection.on('close', (error?: Error) => lost(session, error))
      await options.onUp(session)
      if (closed) throw new BusConnectionError('The bus closed while connecting')
      current = session
      options.onEvent?.({ type: 'up', generation: session.generation })
      for (const wake of [...waiters]) wake()
    } catch (error) {
      await connection.close().catch(() => undefined)
      throw error
    }
  }

  const lost = (session: AmqpSession, error: Error | undefined): void => {
    if (current !== session) return
    current = undefined
    const reason = error ?? new Error('connection closed by the broker')
    lastError = reason
    if (closed) return
    options.onEvent?.({ type: 'lost', error: reason })
    options.onDown(reason)
    retry(0)
  }

  const retry = (attempt: number): void => {
    if (closed) return
    const delayMs = Math.min(maxDelay, initialDelay * 2 ** attempt)
    timer = setTimeout(() => {
      establish().catch((error: unknown) => {
        lastError = error instanceof Error ? error : new Error(String(error))
        options.onEvent?.({ type: 'retry', error: lastError, delayMs })
        retry(attempt + 1)
      })
    }, delayMs)
  }

  try {
    await establish()
  } catch (error) {
    throw new BusConnectionError(
      `The message broker at ${where} is unreachable: ${error instanceof Error ? error.message : String(error)}`,
    )
  }

  return {
    current: () => current,
    async session(waitMs) {
      if (closed) throw new BusConnectionError(`The connection to ${where} is closed`)
      if (current !== undefined) return current
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(giveUp)
          waiters.delete(done)
          resolve()
        }
        const giveUp = setTimeout(done, waitMs)
        waiters.add(done)
      })
      if (current !== undefined && !closed) return current
      throw new BusConnectionError(
        `The message broker at ${where} has been unreachable for ${waitMs} ms: ${lastError.message}`,
      )
    },
    async close() {
      if (closed) return
      closed = true
      clearTimeout(timer)
      for (const wake of [...waiters]) wake()
      const session = current
      current = undefined
      await session?.connection.close().catch(() => undefined)
    },
  }
}

/** Asks for AMQP heartbeats (30 s unless the URL says), so a silent broker is noticed. */
function withHeartbeat(url: string): string {
  try {
    const parsed = new URL(url)
    if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', '30')
    return parsed.toString()
  } catch {
    return url
  }
}

/** `host:port/vhost` without credentials, for messages. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || '5672'}${parsed.pathname}`
  } catch {
    return 'the configured address'
  }
}
