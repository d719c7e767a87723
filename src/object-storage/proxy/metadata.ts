/** @module object-storage/proxy/metadata: metadata headers, their limits and removals */
import { SwiftError } from '../errors.js'
import type { TimedMetadata } from '../storage/container-broker.js'
import { header, type SwiftRequest } from './context.js'

/** Swift's default constraints (reported by /info). */
export const LIMITS = Object.freeze({
  maxMetaNameLength: 128,
  maxMetaValueLength: 256,
  maxMetaCount: 90,
  maxMetaOverallSize: 4096,
  maxHeaderSize: 8192,
  maxObjectNameLength: 1024,
  maxContainerNameLength: 256,
  containerListingLimit: 10000,
  accountListingLimit: 10000,
  maxAccountNameLength: 256,
})

/** Headers other than `x-<level>-meta-*` that a container POST/PUT keeps. */
const CONTAINER_SYSTEM = [
  'x-container-read',
  'x-container-write',
  'x-versions-location',
  'x-history-location',
  'x-container-sync-to',
  'x-container-sync-key',
]

/** Headers of an object PUT/POST kept with the object besides `x-object-meta-*`. */
export const OBJECT_KEPT = [
  'content-disposition',
  'content-encoding',
  'x-delete-at',
  'x-object-manifest',
  'x-static-large-object',
  'access-control-allow-origin',
  'access-control-expose-headers',
  'access-control-max-age',
]

function checkMeta(prefix: string, entries: [string, string][]): void {
  let size = 0
  let count = 0
  for (const [name, value] of entries) {
    if (!name.startsWith(prefix)) continue
    const key = name.slice(prefix.length)
    if (key === '') throw new SwiftError(400, 'Metadata name cannot be empty')
    if (key.length > LIMITS.maxMetaNameLength)
      throw new SwiftError(400, `Metadata name too long: ${name}`)
    if (value.length > LIMITS.maxMetaValueLength)
      throw new SwiftError(400, `Metadata value longer than ${LIMITS.maxMetaValueLength}: ${name}`)
    count += 1
    size += key.length + value.length
  }
  if (count > LIMITS.maxMetaCount)
    throw new SwiftError(400, `Too many metadata items; max ${LIMITS.maxMetaCount}`)
  if (size > LIMITS.maxMetaOverallSize)
    throw new SwiftError(400, `Total metadata too large; max ${LIMITS.maxMetaOverallSize}`)
}

/** Header names as Swift's WSGI layer sees them: lower case, underscores read as hyphens. */
function headerEntries(request: SwiftRequest): [string, string][] {
  return Object.entries(request.headers).flatMap(([name, value]) =>
    value === undefined
      ? []
      : [[name.toLowerCase().replace(/_/g, '-'), Array.isArray(value) ? value.join(',') : value]],
  ) as [string, string][]
}

/**
 * The account or container metadata a PUT/POST sets, with timestamps: `x-<level>-meta-*`,
 * the level's system headers, and `x-remove-*` as empty values (deletions).
 */
export function timedMetadataFrom(
  request: SwiftRequest,
  level: 'account' | 'container',
  timestamp: string,
): TimedMetadata {
  const entries = headerEntries(request)
  const prefix = `x-${level}-meta-`
  checkMeta(prefix, entries)
  const out: TimedMetadata = {}
  const system = level === 'container' ? CONTAINER_SYSTEM : []
  for (const [name, value] of entries) {
    if (name.startsWith(prefix) || system.includes(name)) out[name] = [value.trim(), timestamp]
    if (name.startsWith(`x-remove-${level}-meta-`)) {
      out[`${prefix}${name.slice(`x-remove-${level}-meta-`.length)}`] = ['', timestamp]
    }
    const removed = system.find((s) => name === `x-remove-${s.slice(2)}`)
    if (removed) out[removed] = ['', timestamp]
  }
  if (out['x-versions-location'] && out['x-history-location']?.[0]) {
    throw new SwiftError(400, 'Only one of X-Versions-Location or X-History-Location may be set')
  }
  return out
}

/** The headers an object PUT or POST keeps: `x-object-meta-*` and the kept system headers. */
export function objectHeadersFrom(request: SwiftRequest): Record<string, string> {
  const entries = headerEntries(request)
  checkMeta('x-object-meta-', entries)
  const out: Record<string, string> = {}
  for (const [name, value] of entries) {
    if (name.startsWith('x-object-meta-') || OBJECT_KEPT.includes(name)) out[name] = value
  }
  delete out['x-static-large-object']
  return out
}

/** Resolves X-Delete-After into X-Delete-At and checks both (400 when in the past or malformed). */
export function deleteAtFrom(request: SwiftRequest, nowSeconds: number): string | undefined {
  const after = header(request, 'x-delete-after')
  const at = header(request, 'x-delete-at')
  if (after !== undefined) {
    if (!/^\d+$/.test(after.trim())) throw new SwiftError(400, 'Non-integer X-Delete-After')
    return String(Math.floor(nowSeconds) + Number(after.trim()))
  }
  if (at === undefined) return undefined
  if (!/^\d+$/.test(at.trim())) throw new SwiftError(400, 'Non-integer X-Delete-At')
  if (Number(at) <= nowSeconds) throw new SwiftError(400, 'X-Delete-At in past')
  return String(Number(at))
}
