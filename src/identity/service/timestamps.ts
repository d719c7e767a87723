/** @module identity/service/timestamps: Keystone's naive-UTC timestamps with microseconds */
import { IdentityValidationError } from '../errors.js'

const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/

/**
 * Normalizes a client timestamp to `YYYY-MM-DDTHH:MM:SS.ffffff` in UTC, keeping microseconds
 * (a JS Date would drop them, and clients compare what they sent with what they get back).
 */
export function normalizeTimestamp(text: string, field: string): string {
  const m = ISO.exec(text.trim())
  if (!m)
    throw new IdentityValidationError(
      `Invalid input for field '${field}': '${text}' is not a valid ISO 8601 timestamp.`,
    )
  const [, date, time, fraction = '', zone] = m as unknown as [
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ]
  const seconds = time.length === 5 ? `${time}:00` : time
  // Date.parse rolls 2026-02-30 over to March 2 instead of refusing it.
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  const calendar = new Date(Date.UTC(year, month - 1, day))
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day)
    throw new IdentityValidationError(
      `Invalid input for field '${field}': '${text}' is not a valid timestamp.`,
    )
  const micro = fraction.padEnd(6, '0').slice(0, 6)
  const ms = Date.parse(
    `${date}T${seconds}${zone && zone !== 'Z' ? zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : 'Z'}`,
  )
  if (Number.isNaN(ms))
    throw new IdentityValidationError(
      `Invalid input for field '${field}': '${text}' is not a valid timestamp.`,
    )
  return `${new Date(ms).toISOString().slice(0, 19)}.${micro}`
}

/** Milliseconds since the epoch of a normalized timestamp. */
export function timestampMs(normalized: string): number {
  return Date.parse(`${normalized.slice(0, 23)}Z`)
}
