/** @module bench/object-storage: small-object rates and large-object throughput beside the disk */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { Agent, request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import type { AuthIdentity, TokenValidator } from '../src/core/auth/index.js'
import { systemClock } from '../src/core/clock/index.js'
import { UnauthorizedError } from '../src/core/errors/index.js'
import { createHttpServer, mountService } from '../src/core/http/index.js'
import { silentLogger } from '../src/core/log/index.js'
import { defaultObjectStorageConfig } from '../src/object-storage/config.js'
import { createObjectStorageUnit } from '../src/object-storage/object-storage-unit.js'
import { assertLoopback } from './http-load.js'
import { diskWrite, dropFileCache, payload, streamRead } from './image-disk.js'

const usage = `usage: node --import tsx bench/object-storage.ts [options]
  --requests N     4 KiB requests per scenario (default 5000)
  --max-seconds S  time limit per scenario (default 10)
  --large-mib N    large object size in MiB (default 100; 0 skips)
  --replicas LIST  comma-separated replica counts (default 1,3)`

const MIB = 1024 * 1024
const TOKEN = 'bench-token'

const identity: AuthIdentity = {
  userId: 'bench',
  userName: 'bench',
  userDomainId: 'default',
  userDomainName: 'Default',
  projectId: 'bench',
  projectName: 'bench',
  roles: ['member'],
  roleIds: ['member'],
  auditIds: ['bench'],
  expiresAt: '2999-01-01T00:00:00Z',
  issuedAt: '2026-01-01T00:00:00Z',
  methods: ['password'],
}

const tokens: TokenValidator = {
  async validate(token) {
    if (token !== TOKEN) throw new UnauthorizedError()
    return identity
  },
}

interface Sent {
  status: number
  bytes: number
}

/** One request to the loopback server; the body is a buffer or a stream of buffers. */
function send(
  agent: Agent,
  url: string,
  method: 'PUT' | 'GET',
  body?: { data: Iterable<Buffer>; length: number },
): Promise<Sent> {
  const target = assertLoopback(url)
  const headers: Record<string, string> = { 'x-auth-token': TOKEN }
  if (body) headers['content-length'] = String(body.length)
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        agent,
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        method,
        headers,
      },
      (res) => {
        let bytes = 0
        res.on('data', (chunk: Buffer) => (bytes += chunk.length))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }))
        res.on('error', reject)
      },
    )
    outgoing.setTimeout(60_000, () => outgoing.destroy(new Error(`${method} ${url} timed out`)))
    outgoing.on('error', reject)
    if (body) Readable.from(body.data).pipe(outgoing)
    else outgoing.end()
  })
}

interface RateReport {
  completed: number
  errors: number
  perSecond: number
}

/** Runs `count` requests (bounded by `maxMs`) at a concurrency; non-2xx answers are errors. */
async function rate(
  concurrency: number,
  limits: { count: number; maxMs: number },
  one: (agent: Agent, i: number) => Promise<Sent>,
): Promise<RateReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  let next = 0
  let completed = 0
  let errors = 0
  const begin = performance.now()
  const worker = async () => {
    while (next < limits.count && performance.now() - begin < limits.maxMs) {
      const i = next
      next += 1
      const result = await one(agent, i).catch(() => ({ status: 0, bytes: 0 }))
      if (result.status >= 200 && result.status < 300) completed += 1
      else errors += 1
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  agent.destroy()
  const seconds = (performance.now() - begin) / 1000
  return { completed, errors, perSecond: completed / seconds }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const begin = performance.now()
  await fn()
  return (performance.now() - begin) / 1000
}

const mbps = (bytes: number, seconds: number) => `${(bytes / 1e6 / seconds).toFixed(0)} MB/s`

async function benchReplicas(replicas: number, options: BenchOptions): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nimbus-bench-objects-'))
  const unit = await createObjectStorageUnit({
    dataDir,
    config: defaultObjectStorageConfig({ replicas, devices: Math.max(replicas, 1) }),
    logger: silentLogger(),
    clock: systemClock,
    tokens,
    daemons: false,
  })
  const server = createHttpServer({ logger: silentLogger() })
  try {
    for (const mount of unit.mounts) await mountService(server.app, mount)
    const address = await server.app.listen({ host: '127.0.0.1', port: 0 })
    const base = `${address}/object-storage/v1/AUTH_bench`
    const setup = new Agent({ keepAlive: true })
    await send(setup, `${base}/bench`, 'PUT', { data: [], length: 0 })
    setup.destroy()

    console.log(`\n${replicas} replica(s) on ${Math.max(replicas, 1)} device(s)`)
    const small = randomBytes(4096)
    const limits = { count: options.requests, maxMs: options.maxSeconds * 1000 }
    for (const concurrency of [1, 16]) {
      const put = await rate(concurrency, limits, (agent, i) =>
        send(agent, `${base}/bench/s-${concurrency}-${i}`, 'PUT', {
          data: [small],
          length: small.length,
        }),
      )
      const stored = put.completed
      const get = await rate(concurrency, limits, (agent, i) =>
        send(agent, `${base}/bench/s-${concurrency}-${i % Math.max(stored, 1)}`, 'GET'),
      )
      console.log(
        `  4 KiB c=${String(concurrency).padEnd(2)}  PUT ${put.perSecond.toFixed(0)}/s ` +
          `(${put.completed} ok, ${put.errors} errors)  GET ${get.perSecond.toFixed(0)}/s ` +
          `(${get.completed} ok, ${get.errors} errors)`,
      )
    }

    if (options.largeMib > 0) {
      const bytes = options.largeMib * MIB
      const block = randomBytes(4 * MIB)
      const agent = new Agent({ keepAlive: true })
      let putStatus = 0
      const putSeconds = await timed(async () => {
        putStatus = (
          await send(agent, `${base}/bench/large`, 'PUT', {
            data: payload(bytes, block),
            length: bytes,
          })
        ).status
      })
      let got = 0
      const getSeconds = await timed(async () => {
        got = (await send(agent, `${base}/bench/large`, 'GET')).bytes
      })
      agent.destroy()
      const probe = join(dataDir, 'disk-probe')
      const writeSeconds = await timed(() => diskWrite(probe, bytes, block))
      await dropFileCache(probe)
      const readSeconds = await timed(() => streamRead(probe))
      console.log(
        `  ${options.largeMib} MiB   PUT ${mbps(bytes, putSeconds)} (status ${putStatus})  ` +
          `GET ${mbps(got, getSeconds)} (${got === bytes ? 'complete' : `${got} bytes`})  ` +
          `disk write+fsync ${mbps(bytes, writeSeconds)}, read ${mbps(bytes, readSeconds)}`,
      )
    }
    const rss = process.memoryUsage().rss / MIB
    console.log(`  RSS ${rss.toFixed(0)} MiB (server and load generator share this process)`)
  } finally {
    await server.app.close()
    await unit.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

interface BenchOptions {
  requests: number
  maxSeconds: number
  largeMib: number
  replicas: number[]
}

function parseOptions(): BenchOptions | undefined {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '5000' },
      'max-seconds': { type: 'string', default: '10' },
      'large-mib': { type: 'string', default: '100' },
      replicas: { type: 'string', default: '1,3' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) return undefined
  const replicas = values.replicas.split(',').map(Number)
  const numbers = [values.requests, values['max-seconds'], values['large-mib']].map(Number)
  const [requests = 0, maxSeconds = 0, largeMib = 0] = numbers
  const valid =
    numbers.every((n) => Number.isInteger(n) && n >= 0) &&
    requests > 0 &&
    requests <= 100_000 &&
    maxSeconds > 0 &&
    maxSeconds <= 120 &&
    largeMib <= 2048 &&
    replicas.every((r) => Number.isInteger(r) && r >= 1 && r <= 6)
  if (!valid) throw new Error(`invalid options\n${usage}`)
  return { requests, maxSeconds, largeMib, replicas }
}

async function main(): Promise<void> {
  const options = parseOptions()
  if (!options) {
    console.log(usage)
    return
  }
  console.log('object storage bench: loopback only, in-process proxy and storage servers')
  for (const replicas of options.replicas) await benchReplicas(replicas, options)
}

await main()
