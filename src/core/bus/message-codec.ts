/** @module core/bus/message-codec: how payloads, replies and handler failures cross any bus. */

import type { MessageHandler, MessageHandlers, MessageMeta } from './bus.js'
import { toRemoteErrorData, type RemoteErrorData } from './errors.js'

/** A call's outcome as it travels back to the caller. */
export type Reply =
  | { readonly ok: true; readonly body: string }
  | { readonly ok: false; readonly error: RemoteErrorData }

/** The handler of `method`, ignoring inherited names such as `toString`. */
export function findHandler(handlers: MessageHandlers, method: string): MessageHandler | undefined {
  return Object.hasOwn(handlers, method) ? handlers[method] : undefined
}

/**
 * The JSON text of a payload or reply (`undefined` becomes `null`).
 * @throws TypeError when the value is not JSON.
 */
export function encode(value: unknown, what: string): string {
  const text: string | undefined = JSON.stringify(value === undefined ? null : value)
  if (text === undefined) throw new TypeError(`The ${what} is not JSON (${typeof value})`)
  return text
}

/** A handler's result as a reply, or the encoding failure as a remote error. */
export function encodeReply(result: unknown): Reply {
  try {
    return { ok: true, body: encode(result, 'reply') }
  } catch (error) {
    return { ok: false, error: toRemoteErrorData(error) }
  }
}

/** @throws TypeError unless `name` is a non-empty string. */
export function assertName(what: string, name: string): void {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`A message ${what} must be a non-empty string`)
  }
}

/** @throws TypeError when a handler is not a function. */
export function assertHandlers(topic: string, handlers: MessageHandlers): void {
  for (const [method, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function') {
      throw new TypeError(`Handler for ${method} on topic ${topic} is not a function`)
    }
  }
}

/** Tells the error hook about a failed cast or fanout; a failing hook is ignored. */
export function report(
  onHandlerError: (error: unknown, meta: MessageMeta) => void,
  error: unknown,
  meta: MessageMeta,
): void {
  try {
    onHandlerError(error, meta)
  } catch {
    // A failing error hook must not break delivery of other messages.
  }
}

/** The default error hook: a process warning. */
export function warnHandlerError(error: unknown, meta: MessageMeta): void {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  process.emitWarning(
    `Handler for ${meta.kind} ${meta.method} on topic ${meta.topic} failed: ${reason}`,
    'BusHandlerWarning',
  )
}
