/** @module bench/object-storage: small-object rates and large-object throughput beside the disk */
import { execFile, fork, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { Agent, request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import { assertLoopback } from './http-load.js'
import { diskWrite, dropFileCache, payload, streamRead } from './image-disk.js'

const usage = `usage: node --import tsx bench/object-storage.ts [options]
The proxy and storage servers run in a child process from the build (\`npm run build\`), as
\`nimbus up\` runs them: no TypeScript loader, the libuv threadpool bin/nimbus.js sets up and
the access log at info in a file; this process generates the load.
  --dist DIR       build to run (default dist/ of this checkout)
  --profile DIR    write the server's CPU profile (node --cpu-prof) into DIR
  --requests N     4 KiB requests per scenario (default 5000)
  --max-seconds S  time limit per scenario (default 10)
  --large-mib N    large object size in MiB (default 100; 0 skips)
  --replicas LIST  comma-separated replica counts (default 1,3)
  --concurrency LIST  comma-separated concurrencies of the 4 KiB runs (default 1,16)`

const MIB = 1024 * 1024
const TOKEN = 'bench-token'
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SERVER = join(ROOT, 'bench', 'object-storage-server.mjs')
const SMALL_FILE_PROBE = join(ROOT, 'bench', 'small-file-probe.mjs')
const HTTP_SINK = join(ROOT, 'bench', 'http-sink.mjs')

interface Sent {
  status: number
  bytes: number
}

/** One request to the loopback server; the body is a buffer or a stream of buffers. */
function send(
  agent: Agent,
  url: string,
  method: 'PUT' | 'GET' | 'HEAD' | 'DELETE',
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
    const data = body && (Array.isArray(body.data) ? (body.data as Buffer[]) : undefined)
    // A body in hand goes out in one call: a stream per small request costs the load generator
    // more CPU than the request costs the server, and both share this machine's cores.
    if (body && !data) Readable.from(body.data).pipe(outgoing)
    else outgoing.end(data && (data.length === 1 ? data[0] : Buffer.concat(data)))
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

/** What curl reports of one transfer: status, bytes downloaded and uploaded, seconds. */
interface CurlTransfer {
  status: number
  downloaded: number
  uploaded: number
  seconds: number
}

/**
 * One request by curl, its answer into /dev/null: a client whose own cost hardly bounds the rate
 * (Node's HTTP client tops out near 0.3-1 GB/s on loopback, and shares the server's cores).
 * Figures as curl's own timer counts them; undefined when curl is not installed.
 */
async function curl(url: string, args: string[]): Promise<CurlTransfer | undefined> {
  const target = assertLoopback(url)
  const all = ['-s', '-o', '/dev/null', '-H', `x-auth-token: ${TOKEN}`, ...args]
  all.push('-w', '%{http_code} %{size_download} %{size_upload} %{time_total}', target.href)
  const out = await new Promise<string | undefined>((resolve, reject) =>
    execFile('curl', all, (error, stdout) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') resolve(undefined)
      else if (error) reject(error)
      else resolve(stdout)
    }),
  )
  if (out === undefined) return undefined
  const [status = 0, downloaded = 0, uploaded = 0, seconds = 0] = out.trim().split(' ').map(Number)
  return { status, downloaded, uploaded, seconds }
}

/**
 * Hashes `bytes` of the payload with MD5 in 64 KiB pieces, as the proxy hashes a body it receives:
 * the ETag's hash runs on one core, so it bounds a single upload whatever the disk does.
 */
function md5Alone(bytes: number, block: Buffer): string {
  const md5 = createHash('md5')
  const piece = 64 * 1024
  for (const chunk of payload(bytes, block))
    for (let at = 0; at < chunk.length; at += piece) md5.update(chunk.subarray(at, at + piece))
  return md5.digest('hex')
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const begin = performance.now()
  await fn()
  return (performance.now() - begin) / 1000
}

const mbps = (bytes: number, seconds: number) => `${(bytes / 1e6 / seconds).toFixed(0)} MB/s`

/** Threadpool size of the server process: what bin/nimbus.js sets unless the environment does. */
const THREADPOOL = process.env['UV_THREADPOOL_SIZE'] ?? '16'

/**
 * The file system's own rate for new small objects (bench/small-file-probe.mjs: folder, O_DSYNC
 * write, rename, two folder fsyncs per copy) at a concurrency, in a process of its own with the
 * server's threadpool: the ceiling the store's PUT works under on this disk.
 */
async function smallFileRate(
  dir: string,
  replicas: number,
  concurrency: number,
  limits: { count: number; maxMs: number },
): Promise<number> {
  const args = [SMALL_FILE_PROBE, dir, replicas, concurrency, limits.count, limits.maxMs, 4096]
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      args.map(String),
      { env: { ...process.env, UV_THREADPOOL_SIZE: THREADPOOL } },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    ),
  )
  return (JSON.parse(out) as { perSecond: number }).perSecond
}

interface ServerMessage {
  url?: string
  rssMib?: number
  /** User plus system CPU time of the server process so far. */
  cpuMs?: number
  /** The same, of the server's event loop thread alone. */
  loopCpuMs?: number
  maxRssMib?: number
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

/**
 * On ext4 without a journal (as this machine kind's disk is), every new inode is searched for
 * past the inodes freed within the last minute, each looked up in the inode table: a PUT made
 * right after thousands of deletes costs the kernel several times its usual CPU (perf shows
 * `recently_deleted`). The deletes of one replica count's run therefore age before the next
 * run's PUTs, and the data folders are removed when the whole bench is over.
 */
const DELETES_SETTLE_MS = 65_000
let deletedAt: number | undefined
const leftovers: string[] = []

async function settleDeletes(): Promise<void> {
  if (deletedAt === undefined) return
  const wait = deletedAt + DELETES_SETTLE_MS - performance.now()
  if (wait <= 0) return
  console.log(`  (waiting ${(wait / 1000).toFixed(0)} s for the last run's deletes to age)`)
  await new Promise((done) => setTimeout(done, wait))
}

async function benchReplicas(replicas: number, options: BenchOptions): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nimbus-bench-objects-'))
  const child = fork(SERVER, [options.dist, dataDir, String(replicas), TOKEN], {
    execArgv: options.profile ? ['--cpu-prof', '--cpu-prof-dir', options.profile] : [],
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
      const message = await nextMessage(child)
      return { all: message.cpuMs ?? 0, loop: message.loopCpuMs ?? 0 }
    }
    const perRequest = (cpuMs: number, report: RateReport) =>
      ((cpuMs / Math.max(report.completed + report.errors, 1)) * 1000).toFixed(0)
    const objectUrl = (concurrency: number, i: number) => `${base}/bench/s-${concurrency}-${i}`
    let cpu = await serverCpu()
    const measured = async (run: () => Promise<RateReport>) => {
      const ownBefore = process.cpuUsage()
      const report = await run()
      const own = process.cpuUsage(ownBefore)
      const now = await serverCpu()
      const line =
        `${report.perSecond.toFixed(0)}/s (${report.completed} ok, ${report.errors} errors, ` +
        `${perRequest(now.all - cpu.all, report)} µs CPU, event loop ` +
        `${perRequest(now.loop - cpu.loop, report)} µs, load generator ` +
        `${perRequest((own.user + own.system) / 1000, report)} µs)`
      cpu = now
      return { report, line }
    }
    await settleDeletes()
    const stored = new Map<number, number>()
    for (const concurrency of options.concurrency) {
      const put = await measured(() =>
        rate(concurrency, limits, (agent, i) =>
          send(agent, objectUrl(concurrency, i), 'PUT', { data: [small], length: small.length }),
        ),
      )
      stored.set(concurrency, put.report.completed)
      // Right after the PUTs, on the same file system in the same state.
      const probeDir = join(dataDir, `probe-small-${concurrency}`)
      const disk = await smallFileRate(probeDir, replicas, concurrency, {
        count: Math.max(put.report.completed, 1),
        maxMs: limits.maxMs,
      })
      const count = Math.max(put.report.completed, 1)
      const get = await measured(() =>
        rate(concurrency, limits, (agent, i) =>
          send(agent, objectUrl(concurrency, i % count), 'GET'),
        ),
      )
      const head = await measured(() =>
        rate(concurrency, limits, (agent, i) =>
          send(agent, objectUrl(concurrency, i % count), 'HEAD'),
        ),
      )
      const c = String(concurrency).padEnd(2)
      const share = `${((put.report.perSecond / disk) * 100).toFixed(0)}%`
      console.log(`  4 KiB c=${c}  PUT    ${put.line}`)
      console.log(`             file system alone ${disk.toFixed(0)}/s (PUT at ${share} of it)`)
      console.log(`             GET    ${get.line}\n             HEAD   ${head.line}`)
    }

    if (options.largeMib > 0) await benchLarge(`${base}/bench/large`, dataDir, replicas, options)
    // The deletes come last: new files made within a minute of them would pay for them (above).
    // The server's CPU counts from here: the 100 MiB runs' is not theirs.
    cpu = await serverCpu()
    for (const concurrency of options.concurrency) {
      // Each stored object once: a second DELETE of a name would be a 404.
      const count = stored.get(concurrency) ?? 0
      const del = await measured(() =>
        rate(concurrency, { ...limits, count }, (agent, i) =>
          send(agent, objectUrl(concurrency, i), 'DELETE'),
        ),
      )
      console.log(`  4 KiB c=${String(concurrency).padEnd(2)}  DELETE ${del.line}`)
    }
    deletedAt = performance.now()
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
    // Removed at the end of the whole run, so that no replica count's PUTs follow these deletes.
    leftovers.push(dataDir)
  }
}

/** Large-object transfers and the disk's own speeds, each the median of this many runs. */
const LARGE_TRIALS = 3

/** The middle of `runs` (seconds). */
function median(runs: readonly number[]): number {
  const sorted = [...runs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/** The median rate of `runs` (seconds), with every run's rate listed. */
function medianRate(bytes: number, runs: readonly number[]): string {
  const each = runs.map((r) => (bytes / 1e6 / r).toFixed(0)).join(', ')
  return `${mbps(bytes, median(runs))} (${each})`
}

/**
 * 100 MiB PUT and GET beside the disk's write+fsync and cold read. The disk here answers the
 * first read of freshly written blocks at a third of its usual speed now and then, and its
 * write+fsync speed swings from 0.3 to 2 GB/s (a virtual disk the host caches), so every figure is
 * the median of {@link LARGE_TRIALS} runs, the disk's as the API's, and the runs are listed.
 */
async function benchLarge(
  url: string,
  dataDir: string,
  replicas: number,
  options: BenchOptions,
): Promise<void> {
  const bytes = options.largeMib * MIB
  const block = randomBytes(4 * MIB)
  const agent = new Agent({ keepAlive: true })
  const puts: number[] = []
  const gets: number[] = []
  const writes: number[] = []
  const reads: number[] = []
  const hashes: number[] = []
  const uploads: number[] = []
  const statuses = new Set<number>()
  let client = 'curl'
  // The body curl sends, from memory (tmpfs) so that reading it costs the disk nothing.
  const source = join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `nimbus-bench-${process.pid}`)
  await writeFile(source, Readable.from(payload(bytes, block)))
  const sink = fork(HTTP_SINK, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const sinkUrl = `${(await nextMessage(sink)).url}/upload`
  try {
    // Each run writes new files on both sides (no blocks just freed or just written by a previous
    // run), and the API's run and the disk's alternate, so that both meet the same disk.
    for (let trial = 0; trial < LARGE_TRIALS; trial++) {
      const objectUrl = `${url}-${trial}`
      const put = await curl(objectUrl, ['-T', source, '-H', 'expect:'])
      if (put) {
        if (put.uploaded !== bytes) throw new Error(`PUT sent ${put.uploaded} of ${bytes} bytes`)
        statuses.add(put.status)
        puts.push(put.seconds)
      } else {
        client = 'Node client'
        const body = { data: payload(bytes, block), length: bytes }
        puts.push(
          await timed(async () => statuses.add((await send(agent, objectUrl, 'PUT', body)).status)),
        )
      }
      // The GET reads from the disk, as the probe below does: the copies leave the page cache.
      for (const copy of await filesUnder(dataDir, bytes)) await dropFileCache(copy)
      const get = await curl(objectUrl, [])
      if (get) {
        if (get.downloaded !== bytes)
          throw new Error(`GET gave ${get.downloaded} of ${bytes} bytes`)
        gets.push(get.seconds)
      } else {
        let got = 0
        gets.push(await timed(async () => (got = (await send(agent, objectUrl, 'GET')).bytes)))
        if (got !== bytes) throw new Error(`GET gave ${got} of ${bytes} bytes`)
      }
      // The disk under the same policy: one file per replica written at once, each fsynced before
      // it counts (the store fsyncs every copy before the 201), then one read cold.
      const probes = Array.from({ length: replicas }, (_, i) =>
        join(dataDir, `probe-${trial}-${i}`),
      )
      writes.push(await timed(() => Promise.all(probes.map((p) => diskWrite(p, bytes, block)))))
      const [probe = ''] = probes
      await dropFileCache(probe)
      reads.push(await timed(() => streamRead(probe)))
      hashes.push(await timed(async () => md5Alone(bytes, block)))
      const upload = await curl(sinkUrl, ['-T', source, '-H', 'expect:'])
      if (upload?.uploaded === bytes && upload.status === 201) uploads.push(upload.seconds)
    }
  } finally {
    sink.send({ cmd: 'close' })
    agent.destroy()
    await rm(source, { force: true })
  }
  const ratio = (disk: number[], api: number[]) =>
    `${((median(disk) / median(api)) * 100).toFixed(0)}%`
  const copiesNote = replicas > 1 ? `${replicas} files at once, ` : ''
  console.log(
    `  ${options.largeMib} MiB, median of ${LARGE_TRIALS} (MB/s of each run)
` +
      `           PUT ${medianRate(bytes, puts)} (status ${[...statuses].join(', ')}, ${client})
` +
      `           GET ${medianRate(bytes, gets)} (from disk)
` +
      `           disk write+fsync ${medianRate(bytes, writes)} (${copiesNote}4 MiB writes, fsync ` +
      `each)
           disk read ${medianRate(bytes, reads)} (page cache dropped)
` +
      `           => PUT ${ratio(writes, puts)}, GET ${ratio(reads, gets)} of the disk\n` +
      `           MD5 alone ${medianRate(bytes, hashes)} (the ETag, one core, 64 KiB pieces) ` +
      `=> PUT at ${ratio(hashes, puts)} of it` +
      (uploads.length === LARGE_TRIALS
        ? `\n           upload alone ${medianRate(bytes, uploads)} (curl to a bare node:http ` +
          `server that drops the body) => PUT at ${ratio(uploads, puts)} of it`
        : ''),
  )
}

interface BenchOptions {
  dist: string
  profile?: string
  requests: number
  maxSeconds: number
  largeMib: number
  replicas: number[]
  concurrency: number[]
}

function parseOptions(): BenchOptions | undefined {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '5000' },
      'max-seconds': { type: 'string', default: '10' },
      'large-mib': { type: 'string', default: '100' },
      replicas: { type: 'string', default: '1,3' },
      concurrency: { type: 'string', default: '1,16' },
      dist: { type: 'string', default: join(ROOT, 'dist') },
      profile: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) return undefined
  const replicas = values.replicas.split(',').map(Number)
  const concurrency = values.concurrency.split(',').map(Number)
  const numbers = [values.requests, values['max-seconds'], values['large-mib']].map(Number)
  const [requests = 0, maxSeconds = 0, largeMib = 0] = numbers
  const valid =
    numbers.every((n) => Number.isInteger(n) && n >= 0) &&
    requests > 0 &&
    requests <= 100_000 &&
    maxSeconds > 0 &&
    maxSeconds <= 120 &&
    largeMib <= 2048 &&
    replicas.every((r) => Number.isInteger(r) && r >= 1 && r <= 6) &&
    concurrency.every((c) => Number.isInteger(c) && c >= 1 && c <= 256)
  if (!valid) throw new Error(`invalid options\n${usage}`)
  return {
    requests,
    maxSeconds,
    largeMib,
    replicas,
    concurrency,
    dist: resolve(values.dist),
    ...(values.profile ? { profile: resolve(values.profile) } : {}),
  }
}

async function main(): Promise<void> {
  const options = parseOptions()
  if (!options) {
    console.log(usage)
    return
  }
  if (!existsSync(join(options.dist, 'object-storage', 'object-storage-unit.js')))
    throw new Error(`no build in ${options.dist}: run npm run build first`)
  console.log(
    `object storage bench: loopback only; proxy and storage servers in a child process ` +
      `running ${options.dist}`,
  )
  try {
    for (const replicas of options.replicas) await benchReplicas(replicas, options)
  } finally {
    for (const dir of leftovers) await rm(dir, { recursive: true, force: true })
  }
}

await main()
