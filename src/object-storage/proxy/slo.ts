/** @module object-storage/proxy/slo: static large object manifests (multipart-manifest=put/delete) */
import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { SwiftError } from '../errors.js'
import type { ProxyContext } from './context.js'
import { deleteObject, readObject, type StoredObject } from './replicated-objects.js'
import type { SloEntry } from './segments.js'

interface ManifestInput {
  path?: unknown
  etag?: unknown
  size_bytes?: unknown
}

const MAX_MANIFEST_BYTES = 8 * 1024 * 1024

async function readAll(body: Readable | undefined, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body ?? []) {
    size += (chunk as Buffer).length
    if (size > limit) throw new SwiftError(413, 'Manifest too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

function splitPath(path: string): { container: string; object: string } {
  const trimmed = decodeURIComponent(path).replace(/^\//, '')
  const at = trimmed.indexOf('/')
  if (at <= 0 || at === trimmed.length - 1)
    throw new SwiftError(400, `Invalid segment path ${path}`)
  return { container: trimmed.slice(0, at), object: trimmed.slice(at + 1) }
}

/** A validated manifest: the entries to store, total size and the SLO etag. */
export interface BuiltManifest {
  json: string
  size: number
  etag: string
}

/** Reads and checks a manifest: every segment must exist, with the given etag and size. */
export async function buildManifest(
  ctx: ProxyContext,
  account: string,
  body: Readable | undefined,
): Promise<BuiltManifest> {
  let input: unknown
  try {
    input = JSON.parse((await readAll(body, MAX_MANIFEST_BYTES)).toString('utf8'))
  } catch (error) {
    if (error instanceof SwiftError) throw error
    throw new SwiftError(400, 'Manifest must be valid JSON.')
  }
  if (!Array.isArray(input) || input.length === 0)
    throw new SwiftError(400, 'Manifest must be a non-empty list.')
  const problems: string[] = []
  const entries: SloEntry[] = []
  const md5 = createHash('md5')
  let size = 0
  for (const raw of input as ManifestInput[]) {
    if (typeof raw.path !== 'string') {
      problems.push('Each segment needs a path')
      continue
    }
    const { container, object } = splitPath(raw.path)
    const segment = await readObject(ctx, { account, container, object })
    if (!segment) {
      problems.push(`${raw.path}, 404 Not Found`)
      continue
    }
    const etag = segmentEtag(segment)
    if (typeof raw.etag === 'string' && raw.etag !== '' && raw.etag !== etag)
      problems.push(`${raw.path}, Etag Mismatch`)
    const bytes = segmentSize(segment)
    if (typeof raw.size_bytes === 'number' && raw.size_bytes !== bytes)
      problems.push(`${raw.path}, Size Mismatch`)
    entries.push({
      name: `/${container}/${object}`,
      hash: etag,
      bytes,
      content_type: segment.metadata.contentType,
    })
    md5.update(etag)
    size += bytes
  }
  if (problems.length > 0) throw new SwiftError(400, `Errors:\n${problems.join('\n')}`)
  return { json: JSON.stringify(entries), size, etag: md5.digest('hex') }
}

function segmentEtag(segment: StoredObject): string {
  return segment.metadata.headers['x-object-sysmeta-slo-etag'] ?? segment.metadata.etag
}

function segmentSize(segment: StoredObject): number {
  const size = segment.metadata.headers['x-object-sysmeta-slo-size']
  return size === undefined ? segment.metadata.size : Number(size)
}

/** Deletes the segments of a manifest, then the manifest (multipart-manifest=delete). */
export async function deleteManifestSegments(
  ctx: ProxyContext,
  account: string,
  manifest: StoredObject,
  readManifest: (stored: StoredObject) => Promise<SloEntry[]>,
): Promise<void> {
  for (const entry of await readManifest(manifest)) {
    const { container, object } = splitPath(entry.name)
    await deleteObject(ctx, { account, container, object }, ctx.timestamp())
  }
}
