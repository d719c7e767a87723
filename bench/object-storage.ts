/** @module bench/object-storage: small-object rates and large-object throughput beside the disk */
import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
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
The proxy and storage servers run in a child process (as \`nimbus up\` runs them, with the
libuv threadpool bin/nimbus.js sets up); this process generates the load.
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

/** Threadpool size of the server process: what bin/nimbus.js sets unless the environment does. */
const THREADPOOL = process.env['UV_THREADPOOL_SIZE'] ?? '16'

interface ServerMessage {
  url?: string
  rssMib?: number
  /** User plus system CPU time of the server process so far. */
  cpuMs?: number
  maxRssMib?: number
}

/** Child process mode: the object storage unit behind an HTTP server, driven over IPC. */
async function serve(dataDir: string, replicas: number): Promise<void> {
  const unit = await createObjectStorageUnit({
    dataDir,
    config: defaultObjectStorageConfig({ replicas, devices: Math.max(replicas, 1) }),
    logger: silentLogger(),
    clock: systemClock,
    tokens,
    daemons: false,
  })
  const server = createHttpServer({ logger: silentLogger() })
  for (const mount of unit.mounts) await mountService(server.app, mount)
  const address = await server.app.listen({ host: '127.0.0.1', port: 0 })
  process.on('message', (message: { cmd: string }) => {
    if (message.cmd === 'rss') {
      process.send?.({
        rssMib: process.memoryUsage().rss / MIB,
        cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
        maxRssMib: process.resourceUsage().maxRSS / 1024,
      } satisfies ServerMessage)
    }
    if (message.cmd === 'close') {
      void server.app
        .close()
        .then(() => unit.close())
        .finally(() => process.disconnect())
    }
  })
  process.send?.({ url: String(address) } satisfies ServerMessage)
}

function nextMessage(child: ChildProcess): Promise<ServerMessage> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench server exited (${code})`))
    child.once('exit', onExit)
    child.once('message', (message: ServerMessage) => {
      child.off('exit', onExit)
      resolve(message)
    })
  })
}

/** Every file under `dir` of at least `minBytes`. */
async function filesUnder(dir: string, minBytes: number): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size))
  return files.filter((_, i) => (sizes[i] ?? 0) >= minBytes)
}

async function benchReplicas(replicas: number, options: BenchOptions): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nimbus-bench-objects-'))
  const child = fork(process.argv[1] ?? '', ['--serve', dataDir, '--replicas', String(replicas)], {
    env: { ...process.env, UV_THREADPOOL_SIZE: THREADPOOL },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  try {
    const { url } = await nextMessage(child)
    const base = `${url}/object-storage/v1/AUTH_bench`
    const setup = new Agent({ keepAlive: true })
    await send(setup, `${base}/bench`, 'PUT', { data: [], length: 0 })
    setup.destroy()

    console.log(`\n${replicas} replica(s) on ${Math.max(replicas, 1)} device(s)`)
    const small = randomBytes(4096)
    const limits = { count: options.requests, maxMs: options.maxSeconds * 1000 }
    // Server CPU per request: a figure the other load on a shared machine hardly moves.
    const serverCpu = async () => {
      child.send({ cmd: 'rss' })
      return (await nextMessage(child)).cpuMs ?? 0
    }
    const perRequest = (cpuMs: number, report: RateReport) =>
      `${((cpuMs / Math.max(report.completed + report.errors, 1)) * 1000).toFixed(0)} µs CPU`
    for (const concurrency of [1, 16]) {
      const cpuBefore = await serverCpu()
      const put = await rate(concurrency, limits, (agent, i) =>
        send(agent, `${base}/bench/s-${concurrency}-${i}`, 'PUT', {
          data: [small],
          length: small.length,
        }),
      )
      const cpuPut = await serverCpu()
      const stored = put.completed
      const get = await rate(concurrency, limits, (agent, i) =>
        send(agent, `${base}/bench/s-${concurrency}-${i % Math.max(stored, 1)}`, 'GET'),
      )
      const cpuGet = await serverCpu()
      console.log(
        `  4 KiB c=${String(concurrency).padEnd(2)}  PUT ${put.perSecond.toFixed(0)}/s ` +
          `(${put.completed} ok, ${put.errors} errors, ${perRequest(cpuPut - cpuBefore, put)})  ` +
          `GET ${get.perSecond.toFixed(0)}/s ` +
          `(${get.completed} ok, ${get.errors} errors, ${perRequest(cpuGet - cpuPut, get)})`,
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
      // The GET reads from the disk, as the probe below does: the copies leave the page cache.
      const copies = await filesUnder(dataDir, bytes)
      for (const copy of copies) await dropFileCache(copy)
      let got = 0
      const getSeconds = await timed(async () => {
        got = (await send(agent, `${base}/bench/large`, 'GET')).bytes
      })
      agent.destroy()
      // The disk under the same policy: one file per replica written at once, each fsynced
      // before it counts (the store fsyncs every copy before the 201), then one read cold.
      const probes = Array.from({ length: replicas }, (_, i) => join(dataDir, `disk-probe-${i}`))
      const writeSeconds = await timed(() =>
        Promise.all(probes.map((probe) => diskWrite(probe, bytes, block))),
      )
      const [probe = ''] = probes
      await dropFileCache(probe)
      const readSeconds = await timed(() => streamRead(probe))
      const copiesNote = replicas > 1 ? `${replicas} files at once, ` : ''
      console.log(
        `  ${options.largeMib} MiB   PUT ${mbps(bytes, putSeconds)} (status ${putStatus})  ` +
          `GET ${mbps(got, getSeconds)} (${got === bytes ? 'complete' : `${got} bytes`}, ` +
          `from disk)\n` +
          `           disk: write+fsync ${mbps(bytes, writeSeconds)} ` +
          `(${copiesNote}4 MiB writes, fsync each), read ${mbps(bytes, readSeconds)} ` +
          `(page cache dropped)  ` +
          `=> PUT ${((putSeconds > 0 ? writeSeconds / putSeconds : 0) * 100).toFixed(0)}%, ` +
          `GET ${((getSeconds > 0 ? readSeconds / getSeconds : 0) * 100).toFixed(0)}% of the disk`,
      )
    }
    child.send({ cmd: 'rss' })
    const memory = await nextMessage(child)
    console.log(
      `  server RSS ${memory.rssMib?.toFixed(0)} MiB now, ${memory.maxRssMib?.toFixed(0)} MiB ` +
        `peak (UV_THREADPOOL_SIZE=${THREADPOOL})`,
    )
  } finally {
    if (child.connected) child.send({ cmd: 'close' })
    await new Promise<void>((done) => {
      if (child.exitCode !== null) done()
      else child.once('exit', () => done())
    })
    await rm(dataDir, { recursive: true, force: true })
  }
}

interface BenchOptions {
  serve?: string
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
      serve: { type: 'string' },
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
  return {
    requests,
    maxSeconds,
    largeMib,
    replicas,
    ...(values.serve ? { serve: values.serve } : {}),
  }
}

async function main(): Promise<void> {
  const options = parseOptions()
  if (!options) {
    console.log(usage)
    return
  }
  if (options.serve !== undefined) return serve(options.serve, options.replicas[0] ?? 1)
  console.log('object storage bench: loopback only; proxy and storage servers in a child process')
  for (const replicas of options.replicas) await benchReplicas(replicas, options)
}

await main()
