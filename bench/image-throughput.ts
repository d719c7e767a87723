/** @module bench/image-throughput: 1 GiB image upload and download through the API vs. the disk */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request, type IncomingMessage } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const MIB = 1024 * 1024
const CHUNK = 4 * MIB

interface Sample {
  seconds: number
  /** Peak RSS of the server in MiB while the transfer ran, and at its start. */
  rssStart?: number
  rssPeak?: number
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

async function rssMiB(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]
  return kib === undefined ? undefined : Number(kib) / 1024
}

/** Runs `work` while sampling the server's RSS every 50 ms. */
async function measured(pid: number | undefined, work: () => Promise<void>): Promise<Sample> {
  const rssStart = pid === undefined ? undefined : await rssMiB(pid)
  let rssPeak = rssStart
  let running = true
  const sampler = (async () => {
    while (running && pid !== undefined) {
      const rss = await rssMiB(pid)
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
  return {
    seconds,
    ...(rssStart !== undefined ? { rssStart } : {}),
    ...(rssPeak !== undefined ? { rssPeak } : {}),
  }
}

/** Yields `bytes` bytes from one random block, so generating data costs nothing measurable. */
function* payload(bytes: number, block: Buffer): Generator<Buffer> {
  for (let sent = 0; sent < bytes; sent += block.length) {
    yield bytes - sent >= block.length ? block : block.subarray(0, bytes - sent)
  }
}

async function diskWrite(path: string, bytes: number, block: Buffer): Promise<void> {
  const out = createWriteStream(path, { flush: true, highWaterMark: CHUNK })
  for (const chunk of payload(bytes, block)) {
    if (!out.write(chunk)) await new Promise<void>((done) => out.once('drain', () => done()))
  }
  await new Promise<void>((done, fail) => out.end((e?: Error | null) => (e ? fail(e) : done())))
}

/** Reads the file with O_DIRECT through dd, bypassing the page cache: the disk's own speed. */
async function directRead(path: string): Promise<boolean> {
  const dd = spawn('dd', [`if=${path}`, 'of=/dev/null', 'bs=4M', 'iflag=direct'], {
    stdio: 'ignore',
  })
  const code = await new Promise<number | null>((done) => dd.once('exit', done))
  return code === 0
}

async function diskRead(path: string): Promise<void> {
  for await (const _chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    // read and drop, as a client saving to /dev/null would
  }
}

interface Api {
  base: string
  token: string
}

function call(
  api: Api,
  method: string,
  path: string,
  options: { json?: unknown; headers?: Record<string, string>; body?: Iterable<Buffer> } = {},
): Promise<{ status: number; body: string; response: IncomingMessage }> {
  const url = new URL(`${api.base}${path}`)
  const headers: Record<string, string> = { 'X-Auth-Token': api.token, ...options.headers }
  const json = options.json === undefined ? undefined : JSON.stringify(options.json)
  if (json !== undefined) headers['Content-Type'] = 'application/json'
  return new Promise((done, fail) => {
    const outgoing = request(
      { host: url.hostname, port: url.port, path: url.pathname, method, headers },
      (response) => {
        if (method === 'GET' && path.endsWith('/file')) {
          response.on('data', () => undefined)
          response.on('end', () => done({ status: response.statusCode ?? 0, body: '', response }))
          return
        }
        const chunks: Buffer[] = []
        response.on('data', (c: Buffer) => chunks.push(c))
        response.on('end', () =>
          done({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            response,
          }),
        )
      },
    )
    outgoing.on('error', fail)
    if (json !== undefined) outgoing.end(json)
    else if (options.body) {
      void (async () => {
        for (const chunk of options.body as Iterable<Buffer>) {
          if (!outgoing.write(chunk))
            await new Promise<void>((d) => outgoing.once('drain', () => d()))
        }
        outgoing.end()
      })()
    } else outgoing.end()
  })
}

async function startCloud(
  dataDir: string,
): Promise<{ child: ChildProcess; authUrl: string; password: string }> {
  const port = await freePort()
  const password = randomBytes(12).toString('hex')
  const args = ['up', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port)]
  args.push('--admin-password', password, '--log-level', 'warn')
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'nimbus.js'), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const authUrl = await new Promise<string>((done, fail) => {
    let out = ''
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      out += text
      const found = /Nimbus is ready: (\S+)/.exec(out)
      if (found?.[1]) done(found[1])
    })
    child.once('exit', (code) => fail(new Error(`nimbus exited (${code}) before it was ready`)))
  })
  return { child, authUrl, password }
}

async function issueToken(authUrl: string, password: string): Promise<string> {
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

function rate(bytes: number, sample: Sample): string {
  return `${(bytes / MIB / sample.seconds).toFixed(0).padStart(6)} MiB/s  ${sample.seconds.toFixed(2).padStart(6)} s`
}

function memory(sample: Sample): string {
  if (sample.rssStart === undefined || sample.rssPeak === undefined) return ''
  return `  server RSS ${sample.rssStart.toFixed(0)} -> peak ${sample.rssPeak.toFixed(0)} MiB`
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { mib: { type: 'string' }, dir: { type: 'string' } } })
  const bytes = Number(values.mib ?? 1024) * MIB
  const dataDir = await mkdtemp(join(values.dir ?? tmpdir(), 'nimbus-image-bench-'))
  const block = randomBytes(CHUNK)
  const cloud = await startCloud(dataDir)
  try {
    const api = { base: cloud.authUrl.replace(/\/v3$/, '/image'), token: '' }
    api.token = await issueToken(cloud.authUrl, cloud.password)
    const diskFile = join(dataDir, 'disk-probe.bin')
    const write = await measured(undefined, () => diskWrite(diskFile, bytes, block))
    const read = await measured(undefined, () => diskRead(diskFile))
    const direct: Sample | undefined = await measured(undefined, async () => {
      if (!(await directRead(diskFile))) throw new Error('dd iflag=direct failed')
    }).catch(() => undefined)
    await rm(diskFile)
    const created = await call(api, 'POST', '/v2/images', {
      json: { name: 'bench', disk_format: 'raw', container_format: 'bare' },
    })
    const id = (JSON.parse(created.body) as { id: string }).id
    const statuses: number[] = []
    const upload = await measured(cloud.child.pid, async () => {
      const result = await call(api, 'PUT', `/v2/images/${id}/file`, {
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes) },
        body: payload(bytes, block),
      })
      statuses.push(result.status)
    })
    if (statuses[0] !== 204) throw new Error(`upload answered ${statuses[0]}`)
    const download = await measured(cloud.child.pid, async () => {
      const result = await call(api, 'GET', `/v2/images/${id}/file`)
      statuses.push(result.status)
    })
    if (statuses[1] !== 200) throw new Error(`download answered ${statuses[1]}`)
    const mib = (bytes / MIB).toFixed(0)
    console.log(`Image data throughput, ${mib} MiB, data dir ${dataDir} (node ${process.version})`)
    console.log(`disk sequential write (fsync)  ${rate(bytes, write)}`)
    console.log(`API upload   PUT .../file      ${rate(bytes, upload)}${memory(upload)}`)
    if (direct) console.log(`disk sequential read (O_DIRECT) ${rate(bytes, direct)}`)
    console.log(`disk sequential read (cached)  ${rate(bytes, read)}`)
    console.log(`API download GET .../file      ${rate(bytes, download)}${memory(download)}`)
    console.log(
      `upload/disk write ${((write.seconds / upload.seconds) * 100).toFixed(0)} %, ` +
        `download/cached read ${((read.seconds / download.seconds) * 100).toFixed(0)} %` +
        (direct
          ? `, download/O_DIRECT read ${((direct.seconds / download.seconds) * 100).toFixed(0)} %`
          : ''),
    )
  } finally {
    cloud.child.kill('SIGTERM')
    await new Promise((done) => cloud.child.once('exit', done))
    await rm(dataDir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
