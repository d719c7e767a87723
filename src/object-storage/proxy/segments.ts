/** @module object-storage/proxy/segments: an object's bytes as pieces of stored copies */
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { SwiftError } from '../errors.js'
import type { ProxyContext } from './context.js'
import {
  openRange,
  readObject,
  type ObjectSource,
  type StoredObject,
} from './replicated-objects.js'

/** `start..end` (inclusive) of a stored copy. */
export interface Segment {
  source: ObjectSource
  start: number
  end: number
}

/** What a GET serves: the pieces, their total size and the etag to show. */
export interface ObjectBody {
  segments: Segment[]
  size: number
  /** Quoted for large objects, as Swift sends them. */
  etag: string
}

/** One entry of a static large object manifest as stored. */
export interface SloEntry {
  name: string
  hash: string
  bytes: number
  content_type?: string
  range?: string
}

function whole(stored: StoredObject): Segment[] {
  return stored.metadata.size === 0
    ? []
    : [{ source: stored.source, start: 0, end: stored.metadata.size - 1 }]
}

function splitPath(path: string): { container: string; object: string } {
  const trimmed = path.replace(/^\//, '')
  const at = trimmed.indexOf('/')
  return { container: trimmed.slice(0, at), object: trimmed.slice(at + 1) }
}

/** The body of a plain object, a DLO (X-Object-Manifest) or an SLO, segments resolved. */
export async function resolveBody(
  ctx: ProxyContext,
  account: string,
  stored: StoredObject,
  depth = 0,
): Promise<ObjectBody> {
  const headers = stored.metadata.headers
  if (depth > 10) throw new SwiftError(409, 'Too many levels of large object nesting')
  const manifest = headers['x-object-manifest']
  if (manifest !== undefined) return resolveDlo(ctx, account, decodeURIComponent(manifest))
  if (headers['x-static-large-object'] === 'True') {
    const chunks: Buffer[] = []
    for await (const chunk of await openRange(
      stored.source,
      0,
      Math.max(stored.metadata.size - 1, 0),
    ))
      chunks.push(chunk as Buffer)
    const entries = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SloEntry[]
    const segments: Segment[] = []
    const md5 = createHash('md5')
    for (const entry of entries) {
      const { container, object } = splitPath(entry.name)
      const segment = await readObject(ctx, { account, container, object }, { firstFound: true })
      if (!segment) throw new SwiftError(409, `Segment ${entry.name} is missing`)
      const inner = await resolveBody(ctx, account, segment, depth + 1)
      segments.push(...inner.segments)
      md5.update(entry.hash)
    }
    const size = segments.reduce((sum, s) => sum + s.end - s.start + 1, 0)
    return { segments, size, etag: `"${md5.digest('hex')}"` }
  }
  return { segments: whole(stored), size: stored.metadata.size, etag: stored.metadata.etag }
}

async function resolveDlo(
  ctx: ProxyContext,
  account: string,
  manifest: string,
): Promise<ObjectBody> {
  const { container, object: prefix } = splitPath(`/${manifest}`)
  const brokers = ctx.cluster.containerBrokers(account, container)
  const rows = brokers[0]?.broker.list({ prefix, limit: 10000 }) ?? []
  const segments: Segment[] = []
  const md5 = createHash('md5')
  for (const entry of rows) {
    if (entry.kind !== 'row') continue
    const stored = await readObject(
      ctx,
      { account, container, object: entry.row.name },
      { firstFound: true },
    )
    if (!stored) continue
    segments.push(...whole(stored))
    md5.update(stored.metadata.etag)
  }
  const size = segments.reduce((sum, s) => sum + s.end - s.start + 1, 0)
  return { segments, size, etag: `"${md5.digest('hex')}"` }
}

/**
 * Bytes `start..end` (inclusive) as one buffer when they lie in a single copy whose data came with
 * its metadata (small objects): sent as they are, without a stream.
 */
export function inlineBytes(
  segments: readonly Segment[],
  start: number,
  end: number,
): Buffer | undefined {
  const [only] = segments
  if (segments.length !== 1 || !only?.source.body) return undefined
  const from = only.start + start
  const to = only.start + end
  if (from > to || to >= only.source.body.length) return undefined
  return only.source.body.subarray(from, to + 1)
}

/** Streams bytes `start..end` (inclusive) of the concatenated segments. */
export async function streamSegments(
  segments: readonly Segment[],
  start: number,
  end: number,
): Promise<Readable> {
  const [only] = segments
  // One copy: its own file stream, with no generator between the disk and the socket.
  if (segments.length === 1 && only)
    return openRange(only.source, only.start + start, only.start + end)
  async function* pieces(): AsyncGenerator<Buffer> {
    let offset = 0
    for (const segment of segments) {
      const length = segment.end - segment.start + 1
      const from = Math.max(start - offset, 0)
      const to = Math.min(end - offset, length - 1)
      offset += length
      if (from > to) continue
      for await (const chunk of await openRange(
        segment.source,
        segment.start + from,
        segment.start + to,
      ))
        yield chunk as Buffer
      if (offset > end) return
    }
  }
  return Readable.from(pieces())
}
