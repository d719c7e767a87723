/** @module bench/http-load: bounded keep-alive HTTP load against loopback, latency stats */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'

/** One HTTP exchange's outcome. */
export interface HttpResult {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** One request to send. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD'
  /** Absolute http:// URL on a loopback address. */
  url: string
  headers?: Record<string, string>
  body?: unknown
}

const requestTimeoutMs = 30_000

/** Throws unless the URL points at this machine's loopback interface. */
export function assertLoopback(url: string): URL {
  const parsed = new URL(url)
  const host = parsed.hostname.replace(/^\[|\]$/g, '')
  const loopback = host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  if (parsed.protocol !== 'http:' || !loopback) {
    throw new Error(`refusing to send benchmark traffic to ${url}: only http:// on loopback`)
  }
  return parsed
}

/** Sends one request through `agent` and reads the whole response. */
export function send(agent: Agent, req: HttpRequest): Promise<HttpResult> {
  const url = assertLoopback(req.url)
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body)
  const headers: Record<string, string> = { Accept: 'application/json', ...req.headers }
  if (payload !== undefined) {
    headers['Content-Type'] = 'application/json'
    headers['Content-Length'] = String(Buffer.byteLength(payload))
  }
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        agent,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers,
        timeout: requestTimeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
        res.on('error', reject)
      },
    )
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${req.method} ${req.url} timed out`)))
    outgoing.on('error', reject)
    outgoing.end(payload)
  })
}

/** Bounds and shape of one load run. */
export interface LoadOptions {
  concurrency: number
  /** Requests to send at most. */
  requests: number
  /** Stop starting new requests after this long. */
  maxMs: number
  /** Requests sent first and not measured. */
  warmup: number
  /** Builds the request for one exchange. */
  build: () => HttpRequest
  /** Whether a response counts as a success. */
  ok: (result: HttpResult) => boolean
}

/** What one load run measured. */
export interface LoadReport {
  completed: number
  errors: number
  firstError: string | undefined
  elapsedMs: number
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
}

/** The value at a percentile of sorted samples (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN
}

/** Sends up to `requests` requests from `concurrency` workers over keep-alive connections. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency })
  try {
    for (let i = 0; i < options.warmup; i += 1) {
      await send(agent, options.build()).catch(() => undefined)
    }
    const latencies: number[] = []
    let started = 0
    let errors = 0
    let firstError: string | undefined
    const begin = performance.now()
    const deadline = begin + options.maxMs
    const worker = async () => {
      while (started < options.requests && performance.now() < deadline) {
        started += 1
        const t0 = performance.now()
        try {
          const result = await send(agent, options.build())
          if (!options.ok(result)) {
            errors += 1
            firstError ??= `HTTP ${result.status}: ${result.body.slice(0, 200)}`
          }
        } catch (error) {
          errors += 1
          firstError ??= error instanceof Error ? error.message : String(error)
        }
        latencies.push(performance.now() - t0)
      }
    }
    await Promise.all(Array.from({ length: options.concurrency }, worker))
    const elapsedMs = performance.now() - begin
    latencies.sort((a, b) => a - b)
    return {
      completed: latencies.length,
      errors,
      firstError,
      elapsedMs,
      requestsPerSecond: (latencies.length / elapsedMs) * 1000,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    }
  } finally {
    agent.destroy()
  }
}
