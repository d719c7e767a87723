/** @module core/bus/errors: errors raised by the message bus and its RPC layer. */

/** What crosses the bus when a handler fails: enough to rebuild a {@link RemoteError}. */
export interface RemoteErrorData {
  /** The remote error's `name` (its class), e.g. `InstanceNotFoundError`. */
  readonly name: string
  readonly message: string
  /** The remote error's HTTP status, when it had a numeric `status`. */
  readonly status?: number
}

/** A `call` got no reply in time. The request may or may not have been handled. */
export class BusTimeoutError extends Error {
  override readonly name = 'BusTimeoutError'
  /** A timeout surfaces as an internal error unless the caller handles it. */
  readonly status = 500
  readonly topic: string
  readonly method: string
  readonly timeoutMs: number

  constructor(topic: string, method: string, timeoutMs: number) {
    super(`Timed out after ${timeoutMs} ms waiting for a reply to ${method} on topic ${topic}`)
    this.topic = topic
    this.method = method
    this.timeoutMs = timeoutMs
  }
}

/** The handler of a `call` threw; this carries its name, message and status to the caller. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError'
  /** The remote status, or 500 when the remote error had none. */
  readonly status: number
  /** The remote error's class name. */
  readonly remoteName: string
  /** The remote error's message, unchanged. */
  readonly remoteMessage: string
  /** The remote error's own status, if it had one. */
  readonly remoteStatus: number | undefined

  constructor(data: RemoteErrorData) {
    super(`${data.name}: ${data.message}`)
    this.remoteName = data.name
    this.remoteMessage = data.message
    this.remoteStatus = data.status
    this.status = data.status ?? 500
  }
}

/** The bus (or the subscription) was closed; nothing more is sent or received. */
export class BusClosedError extends Error {
  override readonly name = 'BusClosedError'
  readonly status = 500

  constructor(message = 'The message bus is closed') {
    super(message)
  }
}

/**
 * The connection to the message broker is down or was lost: a send could not be handed to the
 * broker in time, or a call was in flight when the connection dropped (it may or may not have
 * been handled). The bus reconnects by itself; a later send may succeed.
 */
export class BusConnectionError extends Error {
  override readonly name = 'BusConnectionError'
  readonly status = 503

  constructor(message: string) {
    super(message)
  }
}

/** A consumer got a message for a method it has no handler for. */
export class UnsupportedMethodError extends Error {
  override readonly name = 'UnsupportedMethod'
  readonly status = 500
  readonly topic: string
  readonly method: string

  constructor(topic: string, method: string) {
    super(`Topic ${topic} has no method ${method}`)
    this.topic = topic
    this.method = method
  }
}

/** A consumer got an RPC message of a version its contract cannot handle. */
export class UnsupportedVersionError extends Error {
  override readonly name = 'UnsupportedVersion'
  readonly status = 500

  constructor(topic: string, requested: string, served: string) {
    super(`Topic ${topic} serves version ${served} and cannot handle version ${requested}`)
  }
}

/** An RPC message did not have the `{ version, args }` envelope. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessage'
  readonly status = 500

  constructor(topic: string, method: string, reason: string) {
    super(`Malformed message for ${method} on topic ${topic}: ${reason}`)
  }
}

/** A client tried to send a method newer than its version cap allows (a rolling upgrade). */
export class RpcVersionCapError extends Error {
  override readonly name = 'RpcVersionCapError'
  readonly status = 500

  constructor(topic: string, method: string, since: string, cap: string) {
    super(`${method} on topic ${topic} needs version ${since} but the cap is ${cap}`)
  }
}

/** Turns anything a handler threw into the data that crosses the bus. */
export function toRemoteErrorData(error: unknown): RemoteErrorData {
  if (error instanceof RemoteError) {
    // Re-raise a nested remote failure as the original, not as "RemoteError".
    return withStatus({ name: error.remoteName, message: error.remoteMessage }, error.remoteStatus)
  }
  if (error instanceof Error) {
    const status: unknown = (error as Error & { status?: unknown }).status
    return withStatus(
      { name: error.name, message: error.message },
      typeof status === 'number' && Number.isInteger(status) ? status : undefined,
    )
  }
  return { name: 'Error', message: String(error) }
}

function withStatus(data: RemoteErrorData, status: number | undefined): RemoteErrorData {
  return status === undefined ? data : { ...data, status }
}
