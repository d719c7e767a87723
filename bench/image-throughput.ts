/** @module bench/image-throughput: 1 GiB image upload and download through the API vs. the disk */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import {
  PROBE_CHUNK,
  directRead,
  diskWrite,
  dropFileCache,
  payload,
  streamRead,
} from './image-disk.js'
import { formatImageThroughput } from './image-report.js'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const MIB = 1024 * 1024
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100

/** Where the benchmark sends requests and what it may inspect of the server. */
export interface ImageBenchTarget {
  /** Identity v3 URL; the image API is found beside it at `/image`. */
  authUrl: string
  token: string
  /** Server process, for RSS and CPU time. */
  pid?: number
  /** The file store's folder when the server's files are visible here: enables cold reads. */
  storeDir?: string
  /** Folder for the disk probe file: the file store's file system when known. */
  probeDir: string
}

/** One timed transfer. */
export interface Sample {
  seconds: number
  /** Server RSS in MiB at the start and at its peak (sampled every 50 ms). */
  rssStart?: number
  rssPeak?: number
  /** Server CPU seconds (user + system) spent during the transfer. */
  cpu?: number
}

/** The figures of one run: the disk's speeds and the API's, for the same bytes. */
export interface ImageBenchRun {
  /** Write + fsync of a probe file, the mean of one just before the upload and one after. */
  diskWrite: Sample
  directRead?: Sample
  /** Buffered 4 MiB reads of the probe file with its pages dropped first (when possible). */
  coldRead?: Sample
  cachedRead: Sample
  upload: Sample
  /** Download with the image file evicted from the page cache first, when storeDir is known. */
  coldDownload?: Sample
  warmDownload: Sample
  /** The same file from a bare node:http server (see image-bare-server.ts), cold and cached. */
  bareColdDownload?: Sample
  bareWarmDownload?: Sample
}

/** Every run of one benchmark. */
export interface ImageBenchReport {
  bytes: number
  runs: ImageBenchRun[]
}

async function procStat(pid: number): Promise<{ rss?: number; cpu?: number }> {
  const [status, stat] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''),
    readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''),
  ])
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]
  // Fields after the parenthesised command: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return {
    ...(kib !== undefined ? { rss: Number(kib) / 1024 } : {}),
    ...(Number.isFinite(ticks) ? { cpu: ticks / USER_HZ } : {}),
  }
}

/** Runs `work` while sampling the server's RSS every 50 ms. */
async function measured(pid: number | undefined, work: () => Promise<void>): Promise<Sample> {
  const start = pid === undefined ? {} : await procStat(pid)
  let rssPeak = start.rss
  let running = true
  const sampler = (async () => {
    while (running && pid !== undefined) {
      const { rss } = await procStat(pid)
      if (rss !== undefined && (rssPeak === undefined || rss > rssPeak)) rssPeak = rss
      await sleep(50)
    }
  })()
  const t0 = performance.now()
  try {
    await work()
  } finally {
    running = false
  }
  const seconds = (performance.now() - t0) / 1000
  await sampler
  const end = pid === undefined ? {} : await procStat(pid)
  return {
    seconds,
    ...(start.rss !== undefined ? { rssStart: start.rss } : {}),
    ...(rssPeak !== undefined ? { rssPeak } : {}),
    ...(start.cpu !== undefined && end.cpu !== undefined ? { cpu: end.cpu - start.cpu } : {}),
  }
}

interface Exchange {
  status: number
  body: string
}

/** One request to the image API. */
function call(
  target: ImageBenchTarget,
  method: string,
  path: string,
  options: ExchangeOptions = {},
): Promise<Exchange> {
  const url = new URL(`${target.authUrl.replace(/\/v3\/?$/, '/image')}${path}`)
  const headers: Record<string, string> = { 'X-Auth-Token': target.token, ...options.headers }
  return exchange(url, method, { ...options, headers })
}

interface ExchangeOptions {
  json?: unknown
  headers?: Record<string, string>
  body?: Iterable<Buffer>
  /** Read the response body and drop it, as `image save` to /dev/null. */
  drop?: boolean
}

function exchange(url: URL, method: string, options: ExchangeOptions): Promise<Exchange> {
  const headers: Record<string, string> = { ...options.headers }
  const json = options.json === undefined ? undefined : JSON.stringify(options.json)
  if (json !== undefined) headers['Content-Type'] = 'application/json'
  const keep = !options.drop
  return new Promise((done, fail) => {
    const outgoing = request(
      { host: url.hostname, port: url.port, path: url.pathname, method, headers },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => keep && chunks.push(chunk))
        response.on('error', fail)
        response.on('end', () =>
          done({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        )
      },
    )
    outgoing.on('error', fail)
    if (json !== undefined) outgoing.end(json)
    else if (options.body) void writeAll(outgoing, options.body)
    else outgoing.end()
  })
}

async function writeAll(outgoing: ReturnType<typeof request>, body: Iterable<Buffer>) {
  for (const chunk of body) {
    if (!outgoing.write(chunk)) await new Promise<void>((d) => outgoing.once('drain', () => d()))
  }
  outgoing.end()
}

function expect(exchange: Exchange, status: number, what: string): Exchange {
  if (exchange.status !== status) {
    throw new Error(`${what} answered ${exchange.status}, not ${status}: ${exchange.body}`)
  }
  return exchange
}

/** Writes (and fsyncs) a probe file of `bytes`; the probe is gone afterwards. */
async function probeWrite(dir: string, bytes: number, block: Buffer): Promise<Sample> {
  const probe = join(dir, `.image-bench-probe-${randomBytes(4).toString('hex')}`)
  try {
    return await measured(undefined, () => diskWrite(probe, bytes, block))
  } finally {
    await rm(probe, { force: true })
  }
}

/**
 * The disk's own figures, on a probe file of the image's size in the store's file system:
 * write + fsync, then reads with its pages dropped (buffered 4 MiB reads, as the store reads,
 * and O_DIRECT) and cached.
 */
async function diskRun(target: ImageBenchTarget, bytes: number, block: Buffer) {
  const probe = join(target.probeDir, `.image-bench-probe-${randomBytes(4).toString('hex')}`)
  try {
    const write = await measured(undefined, () => diskWrite(probe, bytes, block))
    const coldRead = await dropFileCache(probe).then(
      () => measured(undefined, () => streamRead(probe)),
      () => undefined,
    )
    const direct = await measured(undefined, () => directRead(probe)).catch(() => undefined)
    await streamRead(probe)
    const cachedRead = await measured(undefined, () => streamRead(probe))
    return {
      diskWrite: write,
      cachedRead,
      ...(coldRead ? { coldRead } : {}),
      ...(direct ? { directRead: direct } : {}),
    }
  } finally {
    await rm(probe, { force: true })
  }
}

/** The mean of two timings of the same work (measured before and after the API's). */
function meanSample(a: Sample, b: Sample): Sample {
  return { seconds: (a.seconds + b.seconds) / 2 }
}

/** The bare server of image-bare-server.ts on the store's folder; resolves its base URL. */
async function startBareServer(storeDir: string) {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'image-bare-server.ts')
  const child = spawn(process.execPath, [...process.execArgv, script, storeDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<string>((done, fail) => {
    child.stdout.setEncoding('utf8').once('data', (text: string) => done(text.trim()))
    child.once('exit', (code) => fail(new Error(`bare server exited (${code})`)))
  })
  return { child, base: `http://127.0.0.1:${port}` }
}

async function downloads(
  target: ImageBenchTarget,
  id: string,
  options: { bare: string | undefined; bareFirst: boolean },
): Promise<
  Pick<ImageBenchRun, 'coldDownload' | 'warmDownload' | 'bareColdDownload' | 'bareWarmDownload'>
> {
  const api = () =>
    measured(target.pid, async () => {
      const got = await call(target, 'GET', `/v2/images/${id}/file`, { drop: true })
      expect(got, 200, 'GET .../file')
    })
  const direct = () =>
    measured(undefined, async () => {
      expect(await exchange(new URL(`${bare}/${id}`), 'GET', { drop: true }), 200, 'bare GET')
    })
  if (!target.storeDir) return { warmDownload: await api() }
  const file = join(target.storeDir, id)
  const coldThenWarm = async (get: () => Promise<Sample>) => {
    await dropFileCache(file)
    const cold = await get()
    return { cold, warm: await get() }
  }
  const { bare } = options
  if (!bare) {
    const { cold, warm } = await coldThenWarm(api)
    return { coldDownload: cold, warmDownload: warm }
  }
  // Which server reads first alternates from run to run, so neither always follows the upload.
  const first = await coldThenWarm(options.bareFirst ? direct : api)
  const second = await coldThenWarm(options.bareFirst ? api : direct)
  const [ours, theirs] = options.bareFirst ? [second, first] : [first, second]
  return {
    coldDownload: ours.cold,
    warmDownload: ours.warm,
    bareColdDownload: theirs.cold,
    bareWarmDownload: theirs.warm,
  }
}

async function oneRun(
  target: ImageBenchTarget,
  bytes: number,
  options: { block: Buffer; bare: string | undefined; bareFirst: boolean },
): Promise<ImageBenchRun> {
  const disk = await diskRun(target, bytes, options.block)
  const created = await call(target, 'POST', '/v2/images', {
    json: { name: 'image-bench', disk_format: 'raw', container_format: 'bare' },
  })
  const id = (JSON.parse(expect(created, 201, 'POST /v2/images').body) as { id: string }).id
  try {
    const upload = await measured(target.pid, async () => {
      const put = await call(target, 'PUT', `/v2/images/${id}/file`, {
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes) },
        body: payload(bytes, options.block),
      })
      expect(put, 204, 'PUT .../file')
    })
    const got = await downloads(target, id, options)
    const writeAfter = await probeWrite(target.probeDir, bytes, options.block)
    return { ...disk, diskWrite: meanSample(disk.diskWrite, writeAfter), upload, ...got }
  } finally {
    await call(target, 'DELETE', `/v2/images/${id}`)
  }
}

/**
 * Uploads and downloads `mib` MiB `runs` times, measuring the disk before each run. When the
 * store's folder is known, downloads also run with the file evicted from the page cache, and
 * a bare node:http server serves the same file for comparison.
 */
export async function runImageThroughput(
  target: ImageBenchTarget,
  options: { mib: number; runs: number },
): Promise<ImageBenchReport> {
  const bytes = options.mib * MIB
  const block = randomBytes(PROBE_CHUNK)
  const bare = target.storeDir ? await startBareServer(target.storeDir) : undefined
  try {
    const runs: ImageBenchRun[] = []
    for (let i = 0; i < options.runs; i++) {
      runs.push(await oneRun(target, bytes, { block, bare: bare?.base, bareFirst: i % 2 === 1 }))
    }
    return { bytes, runs }
  } finally {
    if (bare) await stop(bare.child)
  }
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.on('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => done(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** Starts `nimbus up` in `dataDir`; resolves its identity URL once it is ready. */
async function startCloud(dataDir: string, password: string) {
  const port = await freePort()
  const args = ['up', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port)]
  args.push('--admin-password', password, '--log-level', 'warn')
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'nimbus.js'), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const authUrl = await new Promise<string>((done, fail) => {
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text
      const found = /Nimbus is ready: (\S+)/.exec(out)
      if (found?.[1]) done(found[1])
    })
    child.once('exit', (code) => fail(new Error(`nimbus exited (${code}) before it was ready`)))
  })
  return { child, authUrl }
}

/** Issues an admin token scoped to the admin project. */
export async function adminToken(authUrl: string, password: string): Promise<string> {
  const response = await fetch(`${authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { id: 'default' }, password } },
        },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    }),
  })
  const token = response.headers.get('x-subject-token')
  if (response.status !== 201 || !token) throw new Error(`token: ${response.status}`)
  return token
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((done) => child.once('exit', done))
  child.kill('SIGTERM')
  await exited
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { mib: { type: 'string' }, runs: { type: 'string' }, dir: { type: 'string' } },
  })
  const mib = Number(values.mib ?? 1024)
  const runs = Number(values.runs ?? 3)
  const dataDir = await mkdtemp(join(values.dir ?? tmpdir(), 'nimbus-image-bench-'))
  const password = randomBytes(12).toString('hex')
  const cloud = await startCloud(dataDir, password).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true })
    throw error
  })
  try {
    const report = await runImageThroughput(
      {
        authUrl: cloud.authUrl,
        token: await adminToken(cloud.authUrl, password),
        ...(cloud.child.pid !== undefined ? { pid: cloud.child.pid } : {}),
        storeDir: join(dataDir, 'images'),
        probeDir: dataDir,
      },
      { mib, runs },
    )
    console.log(`data dir ${dataDir} (node ${process.version})`)
    for (const line of formatImageThroughput(report)) console.log(line)
  } finally {
    await stop(cloud.child)
    await rm(dataDir, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
}
