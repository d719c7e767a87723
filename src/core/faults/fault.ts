/** @module core/faults/fault: the shape every fault renderer produces */
import { STATUS_CODES } from 'node:http'
import type { CloudError } from '../errors/index.js'

/** A rendered error response. */
export interface Fault {
  status: number
  contentType: string
  body: string
  headers: Record<string, string>
}

/** Turns a CloudError into one service family's historical error body. */
export type FaultRenderer = (error: CloudError) => Fault

/** The HTTP reason phrase for a status ("Not Found"). */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Error'
}

/** A JSON fault with the error's own headers. */
export function jsonFault(error: CloudError, body: unknown): Fault {
  return {
    status: error.status,
    contentType: 'application/json',
    body: JSON.stringify(body),
    headers: error.headers,
  }
}
