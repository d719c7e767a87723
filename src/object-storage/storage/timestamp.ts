/** @module object-storage/storage/timestamp: Swift's X-Timestamp values, unique within a process */

/** Formats seconds as Swift does: ten digits, a dot, five decimals. */
export function formatTimestamp(seconds: number): string {
  return seconds.toFixed(5).padStart(16, '0')
}

/** Parses an X-Timestamp header (`1700000000.12345`); undefined when malformed. */
export function parseTimestamp(text: string | undefined): string | undefined {
  if (!text || !/^\d{1,10}(\.\d{1,5})?$/.test(text.trim())) return undefined
  return formatTimestamp(Number(text.trim()))
}

/** Hands out increasing timestamps from a clock, so two writes never tie within a process. */
export function createTimestampSource(now: () => number): () => string {
  // In units of 10 microseconds, the resolution of the wire format.
  let last = 0
  return () => {
    last = Math.max(Math.round(now() * 100), last + 1)
    return formatTimestamp(last / 1e5)
  }
}

/** Seconds of a formatted timestamp. */
export function timestampSeconds(ts: string): number {
  return Number(ts)
}
