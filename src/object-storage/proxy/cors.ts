/** @module object-storage/proxy/cors: preflight OPTIONS and CORS headers from container metadata */
import { SwiftError } from '../errors.js'
import { header, type ProxyContext, type SwiftRequest, type SwiftResponse } from './context.js'
import { readContainer } from './container-ops.js'

/** A container's CORS settings (`X-Container-Meta-Access-Control-*`). */
interface CorsInfo {
  allowOrigin?: string
  exposeHeaders?: string
  maxAge?: string
}

/** Response headers a browser may read without being told (plus Swift's own). */
const EXPOSED_ALWAYS = [
  'cache-control',
  'content-language',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
  'etag',
  'x-timestamp',
  'x-trans-id',
  'x-openstack-request-id',
]

function corsInfo(ctx: ProxyContext, request: SwiftRequest): CorsInfo {
  const state = readContainer(ctx, request.account, request.container ?? '')
  const meta = state?.meta ?? {}
  const pick = (name: string) => meta[`x-container-meta-access-control-${name}`]
  const allowOrigin = pick('allow-origin')
  const exposeHeaders = pick('expose-headers')
  const maxAge = pick('max-age')
  return {
    ...(allowOrigin !== undefined ? { allowOrigin } : {}),
    ...(exposeHeaders !== undefined ? { exposeHeaders } : {}),
    ...(maxAge !== undefined ? { maxAge } : {}),
  }
}

const words = (value: string | undefined) => (value ?? '').split(' ').filter((w) => w.trim() !== '')

function originAllowed(ctx: ProxyContext, info: CorsInfo, origin: string): boolean {
  const allowed = new Set([...words(info.allowOrigin), ...ctx.config.corsAllowOrigin])
  return allowed.has(origin) || allowed.has('*')
}

function allowOriginHeaders(info: CorsInfo, origin: string): Record<string, string> {
  return info.allowOrigin?.trim() === '*'
    ? { 'access-control-allow-origin': '*' }
    : { 'access-control-allow-origin': origin, vary: 'Origin' }
}

/**
 * OPTIONS as Swift's proxy answers it: 200 with `Allow`; for a preflight (an `Origin`) on a
 * container or object, 401 unless the origin and the requested method are allowed, else the
 * `Access-Control-Allow-*` headers. Account preflights get only `Allow`, as in Swift.
 */
export function preflight(
  ctx: ProxyContext,
  request: SwiftRequest,
  methods: readonly string[],
): SwiftResponse {
  const allowed = [...methods, 'OPTIONS']
  const headers: Record<string, string> = { allow: allowed.join(', ') }
  const origin = header(request, 'origin')
  if (!origin || request.container === undefined) return { status: 200, headers }
  const info = corsInfo(ctx, request)
  const method = header(request, 'access-control-request-method')
  if (!originAllowed(ctx, info, origin) || method === undefined || !allowed.includes(method))
    throw new SwiftError(401, undefined, headers)
  Object.assign(headers, allowOriginHeaders(info, origin))
  if (info.maxAge !== undefined) headers['access-control-max-age'] = info.maxAge
  headers['access-control-allow-methods'] = allowed.join(', ')
  const requested = [
    ...new Set(
      (header(request, 'access-control-request-headers') ?? '')
        .split(',')
        .map((h) => h.trim())
        .filter((h) => h !== ''),
    ),
  ]
  if (requested.length > 0) {
    headers['access-control-allow-headers'] = requested.join(', ')
    headers['vary'] = headers['vary']
      ? `${headers['vary']}, Access-Control-Request-Headers`
      : 'Access-Control-Request-Headers'
  }
  return { status: 200, headers }
}

/**
 * Adds `Access-Control-Allow-Origin` and `-Expose-Headers` to the response of a cross-origin
 * container or object request whose origin the container allows (Swift's strict CORS mode).
 */
export function addCorsHeaders(
  ctx: ProxyContext,
  request: SwiftRequest,
  headers: Record<string, string>,
): void {
  const origin = header(request, 'origin')
  if (!origin || request.container === undefined || request.method === 'OPTIONS') return
  let info: CorsInfo
  try {
    info = corsInfo(ctx, request)
  } catch {
    return
  }
  if (!originAllowed(ctx, info, origin)) return
  const names = Object.keys(headers).map((h) => h.toLowerCase())
  if (!names.includes('access-control-expose-headers')) {
    const expose = new Set([...EXPOSED_ALWAYS, ...ctx.config.corsExposeHeaders])
    for (const name of names)
      if (name.startsWith('x-container-meta') || name.startsWith('x-object-meta')) expose.add(name)
    for (const name of words(info.exposeHeaders)) expose.add(name.toLowerCase())
    headers['access-control-expose-headers'] = [...expose].join(', ')
  }
  if (!names.includes('access-control-allow-origin')) {
    const added = allowOriginHeaders(info, origin)
    if (added.vary && headers['vary']) added.vary = `${headers['vary']}, Origin`
    Object.assign(headers, added)
  }
}
