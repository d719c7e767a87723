/** @module object-storage/proxy/tempurl: signed, expiring URLs (Swift's TempURL middleware) */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { SwiftError } from '../errors.js'
import { liveMetadata } from '../storage/container-broker.js'
import { readAccount } from './account-ops.js'
import type { ProxyContext, SwiftRequest } from './context.js'
import { readContainer } from './container-ops.js'

const DIGESTS: Record<number, 'sha1' | 'sha256' | 'sha512'> = {
  40: 'sha1',
  64: 'sha256',
  128: 'sha512',
}

function parseExpires(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value)
  const parsed = Date.parse(value)
  return Number.isNaN(parsed) ? undefined : Math.floor(parsed / 1000)
}

/** A signature as hex with its digest: bare hex (by length) or `<digest>:<base64url>`. */
export function signature(
  sig: string,
): { digest: 'sha1' | 'sha256' | 'sha512'; hex: string } | undefined {
  const prefixed = /^(sha1|sha256|sha512):(.+)$/.exec(sig)
  if (prefixed?.[1] && prefixed[2]) {
    const bytes = Buffer.from(prefixed[2].replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    return { digest: prefixed[1] as 'sha1' | 'sha256' | 'sha512', hex: bytes.toString('hex') }
  }
  const digest = DIGESTS[sig.length]
  return digest && /^[0-9a-f]+$/i.test(sig) ? { digest, hex: sig.toLowerCase() } : undefined
}

/** The account's and the container's temp URL keys (FormPost signs with them too). */
export function keysFor(ctx: ProxyContext, request: SwiftRequest): string[] {
  const account = liveMetadata(readAccount(ctx, request.account)?.metadata ?? {})
  const container = request.container
    ? readContainer(ctx, request.account, request.container)
    : undefined
  return [
    account['x-account-meta-temp-url-key'],
    account['x-account-meta-temp-url-key-2'],
    container?.meta['x-container-meta-temp-url-key'],
    container?.meta['x-container-meta-temp-url-key-2'],
  ].filter((k): k is string => k !== undefined && k !== '')
}

/**
 * Checks a TempURL on an object request: sets `request.tempUrl` when a signature is valid,
 * answers 401 when one is given but invalid or expired, and does nothing without one.
 */
export function checkTempUrl(ctx: ProxyContext, request: SwiftRequest): void {
  const sig = request.query['temp_url_sig']
  const expiresText = request.query['temp_url_expires']
  if (sig === undefined && expiresText === undefined) return
  if (!request.object || !['GET', 'HEAD', 'PUT'].includes(request.method))
    throw new SwiftError(401, 'Temp URL invalid')
  const expires = expiresText === undefined ? undefined : parseExpires(expiresText)
  const parsed = sig === undefined ? undefined : signature(sig)
  if (expires === undefined || !parsed || expires < ctx.clock.now() / 1000)
    throw new SwiftError(401, 'Temp URL invalid')
  const prefix = request.query['temp_url_prefix']
  // Clients sign the path they see: with or without the listener's prefix.
  const mountPrefix = (request.fullPath ?? request.rawPath).slice(
    0,
    (request.fullPath ?? request.rawPath).length - request.rawPath.length,
  )
  const bases =
    prefix === undefined
      ? [request.rawPath]
      : [`prefix:/v1/${request.account}/${request.container}/${prefix}`]
  const paths = mountPrefix
    ? [...bases, ...bases.map((b) => b.replace(/^(prefix:)?/, `$1${mountPrefix}`))]
    : bases
  if (prefix !== undefined && !(request.object ?? '').startsWith(prefix))
    throw new SwiftError(401, 'Temp URL invalid')
  const methods = request.method === 'HEAD' ? ['HEAD', 'GET', 'PUT'] : [request.method]
  const given = Buffer.from(parsed.hex, 'hex')
  const candidates = keysFor(ctx, request).flatMap((key) =>
    methods.flatMap((method) =>
      paths.map((path) => ({ key, text: `${method}\n${expiresText}\n${path}` })),
    ),
  )
  for (const { key, text } of candidates) {
    const mac = createHmac(parsed.digest, key).update(text).digest()
    if (mac.length === given.length && timingSafeEqual(mac, given)) {
      request.tempUrl = true
      return
    }
  }
  throw new SwiftError(401, 'Temp URL invalid')
}

/** Python's `quote(text, safe)`: RFC 3986 unreserved characters and `safe` stay as they are. */
function pyQuote(text: string, safe: string): string {
  return Array.from(text)
    .map((c) =>
      /[A-Za-z0-9_.~-]/.test(c) || safe.includes(c)
        ? c
        : Array.from(Buffer.from(c, 'utf8'))
            .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
            .join(''),
    )
    .join('')
}

function dispositionFormat(type: 'inline' | 'attachment', filename: string): string {
  return `${type}; filename="${pyQuote(filename, ' /')}"; filename*=UTF-8''${pyQuote(filename, '/')}`
}

/**
 * What TempURL adds to a successful GET or HEAD: `Content-Disposition` from `inline` and
 * `filename` in the query, else the object's own, else an attachment named after the object;
 * and `Expires` at the signature's expiry.
 */
export function tempUrlResponseHeaders(request: SwiftRequest, headers: Record<string, string>) {
  const filename = request.query['filename']
  const inline = request.query['inline'] !== undefined
  let value: string
  if (inline) value = filename ? dispositionFormat('inline', filename) : 'inline'
  else if (filename) value = dispositionFormat('attachment', filename)
  else if (headers['content-disposition']) value = headers['content-disposition']
  else
    value = dispositionFormat(
      'attachment',
      (request.object ?? '').replace(/\/+$/, '').split('/').pop() ?? '',
    )
  headers['content-disposition'] = value.replace(/\n/g, '%0A')
  const expires = parseExpires(request.query['temp_url_expires'] ?? '')
  if (expires !== undefined) headers['expires'] = new Date(expires * 1000).toUTCString()
}
