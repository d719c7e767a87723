/** @module network/agents/metadata/metadata-proxy-server: the host side of the metadata proxy: namespace proxies reach it on a UNIX socket; it finds the guest and forwards to the compute metadata API */
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { dirname } from 'node:path'
import type { Logger } from '../../../core/log/index.js'
import type { MetadataPortQuery } from '../../rpc/metadata-payloads.js'
import type { GuestLookup } from './guest-lookup.js'
import {
  answerForUpstreamStatus,
  forwardedHeaders,
  plainError,
  REMOTE_ERROR,
  type MetadataGuest,
  type PlainAnswer,
} from './metadata-forwarding.js'

/** The headers a namespace proxy sets (replacing any the guest sent). */
export const ROUTER_ID_HEADER = 'x-neutron-router-id'
export const NETWORK_ID_HEADER = 'x-neutron-network-id'

/** What the proxy server is given. */
export interface MetadataProxyServerOptions {
  /** The UNIX socket the namespace proxies connect to. */
  socketPath: string
  /** Base URL of the compute metadata API (`http://127.0.0.1:8775`). */
  metadataUrl: string
  /** The secret shared with the compute metadata API. */
  secret: string
  lookup: GuestLookup
  logger: Logger
  /** Longest wait for the compute metadata API; default 10 s. */
  timeoutMs?: number
  /** Largest request body accepted from a guest; default 64 KiB. */
  maxBodyBytes?: number
}

/** A listening proxy server. */
export interface MetadataProxyServer {
  readonly socketPath: string
  /** Stops listening, ends open connections and removes the socket. */
  close(): Promise<void>
}

const UNKNOWN = 'An unknown error has occurred. Please try your request again.'

/**
 * The compute metadata API's base URL from where it listens (`0.0.0.0` and `::` are reached on
 * loopback); undefined for port 0 (no metadata API).
 */
export function metadataApiUrl(host: string, port: number): string | undefined {
  if (port === 0) return undefined
  const reach = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host
  return `http://${reach.includes(':') ? `[${reach}]` : reach}:${port}`
}

/** The URL on the compute metadata API for a guest's request target (origin-form only). */
export function upstreamUrl(base: string, target: string): URL | undefined {
  if (!target.startsWith('/') || target.startsWith('//')) return undefined
  const asked = new URL(target, 'http://guest')
  const url = new URL(base)
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${asked.pathname}`
  url.search = asked.search
  return url
}

function queryOf(req: IncomingMessage): MetadataPortQuery | undefined {
  const one = (name: string): string | undefined => {
    const value = req.headers[name]
    return typeof value === 'string' && value !== '' ? value : undefined
  }
  const address = one('x-forwarded-for')?.split(',')[0]?.trim()
  const routerId = one(ROUTER_ID_HEADER)
  const networkId = one(NETWORK_ID_HEADER)
  if (!address) return undefined
  if (routerId) return { routerId, address }
  if (networkId) return { networkId, address }
  return undefined
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > max) return undefined
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

function sendPlain(res: ServerResponse, answer: PlainAnswer): void {
  res.writeHead(answer.status, { 'content-type': 'text/plain; charset=UTF-8' })
  res.end(answer.body)
}

/** Listens on `socketPath` (replacing a stale socket) and serves the guests' requests. */
export async function startMetadataProxyServer(
  options: MetadataProxyServerOptions,
): Promise<MetadataProxyServer> {
  const log = options.logger.child({ agent: 'metadata' })
  const timeoutMs = options.timeoutMs ?? 10_000
  const maxBody = options.maxBodyBytes ?? 65_536

  const forward = async (
    req: IncomingMessage,
    url: URL,
    guest: MetadataGuest,
    body: Buffer,
  ): Promise<{ status: number; type: string; body: Buffer } | PlainAnswer> => {
    try {
      const method = req.method ?? 'GET'
      const upstream = await fetch(url, {
        method,
        headers: forwardedHeaders(guest, options.secret),
        ...(body.length > 0 && method !== 'GET' && method !== 'HEAD'
          ? { body: new Uint8Array(body) }
          : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      })
      const data = Buffer.from(await upstream.arrayBuffer())
      if (upstream.status !== 200) {
        if (upstream.status === 403 || upstream.status >= 500) {
          log.warn({ status: upstream.status, url: url.pathname, guest }, 'metadata API refused')
        }
        return answerForUpstreamStatus(upstream.status)
      }
      return {
        status: 200,
        type: upstream.headers.get('content-type') ?? 'text/plain',
        body: data,
      }
    } catch (error) {
      log.warn({ err: error, url: url.pathname, guest }, 'metadata API unreachable')
      return plainError(500, REMOTE_ERROR)
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const query = queryOf(req)
    const url = upstreamUrl(options.metadataUrl, req.url ?? '')
    if (!query || !url) return sendPlain(res, plainError(404))
    const body = await readBody(req, maxBody)
    if (!body) return sendPlain(res, plainError(400))
    let guest: MetadataGuest | undefined
    try {
      guest = await options.lookup.find(query)
    } catch (error) {
      log.error({ err: error, query }, 'could not find the guest of a metadata request')
      return sendPlain(res, plainError(500, UNKNOWN))
    }
    if (!guest) {
      log.info({ query, path: url.pathname }, 'metadata request from an address without a server')
      return sendPlain(res, plainError(404))
    }
    const answer = await forward(req, url, guest, body)
    if ('type' in answer) {
      res.writeHead(200, { 'content-type': answer.type, 'content-length': answer.body.length })
      res.end(req.method === 'HEAD' ? undefined : answer.body)
    } else {
      sendPlain(res, answer)
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error }, 'metadata request failed')
      if (!res.headersSent) sendPlain(res, plainError(500, UNKNOWN))
      else res.destroy()
    })
  })
  server.requestTimeout = timeoutMs * 3
  server.headersTimeout = 30_000
  await mkdir(dirname(options.socketPath), { recursive: true, mode: 0o700 })
  const stale = await lstat(options.socketPath).catch(() => undefined)
  if (stale?.isSocket()) await unlink(options.socketPath)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.socketPath, () => {
      server.off('error', reject)
      resolve()
    })
  })
  // guests' identities are only as good as who may talk to this socket: root alone
  await chmod(options.socketPath, 0o600)
  log.info(
    { socket: options.socketPath, metadataUrl: options.metadataUrl },
    'metadata proxy listening',
  )
  return {
    socketPath: options.socketPath,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
      await unlink(options.socketPath).catch(() => undefined)
    },
  }
}
