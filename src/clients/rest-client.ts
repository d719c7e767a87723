/** @module clients/rest-client: JSON calls with a service token, retried once after a 401 */
import { ServiceCallError } from './errors.js'
import type { DispatchRequest, HttpDispatcher } from './http-dispatcher.js'
import type { TokenSource } from './service-token.js'

/** One service's endpoint as a client sees it. */
export interface RestEndpoint {
  service: string
  dispatch: HttpDispatcher
  tokens: TokenSource
  /** Prefix of the service's paths, e.g. `/networking/v2.0`. */
  base: string
  /** Extra headers for every request (microversions). */
  headers?: Record<string, string>
}

/** Sends a request and returns the status and parsed JSON body (undefined when empty). */
export async function restCall(
  endpoint: RestEndpoint,
  method: DispatchRequest['method'],
  path: string,
  options: { body?: unknown; raw?: Buffer; contentType?: string; allow?: readonly number[] } = {},
): Promise<{ status: number; body: unknown; headers: Record<string, unknown> }> {
  const send = async (refresh: boolean) => {
    const headers: Record<string, string> = {
      'x-auth-token': await endpoint.tokens.token(refresh),
      accept: 'application/json',
      ...(endpoint.headers ?? {}),
    }
    let body: string | Buffer | undefined
    if (options.raw !== undefined) {
      body = options.raw
      headers['content-type'] = options.contentType ?? 'application/octet-stream'
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body)
      headers['content-type'] = options.contentType ?? 'application/json'
    }
    return endpoint.dispatch({
      method,
      path: `${endpoint.base}${path}`,
      headers,
      ...(body !== undefined ? { body } : {}),
    })
  }
  let response = await send(false)
  if (response.status === 401) response = await send(true)
  const ok = response.status < 400 || options.allow?.includes(response.status)
  if (!ok) throw new ServiceCallError(endpoint.service, response.status, errorText(response.body))
  let body: unknown
  if (response.body !== '') {
    try {
      body = JSON.parse(response.body)
    } catch {
      body = response.body
    }
  }
  return { status: response.status, body, headers: response.headers }
}

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, { message?: string; detail?: string }>
    const first = Object.values(parsed)[0]
    if (Array.isArray(first)) return String((first[0] as { detail?: string })?.detail ?? body)
    return first?.message ?? first?.detail ?? body
  } catch {
    return body.slice(0, 200)
  }
}
