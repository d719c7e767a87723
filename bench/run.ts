/** @module bench/run: start-up time, identity request rates and latencies, server memory */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { Agent } from 'node:http'
import { createServer } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { assertLoopback, runLoad, send, type HttpRequest, type LoadReport } from './http-load.js'
import { formatImageThroughput } from './image-report.js'
import { runImageThroughput } from './image-throughput.js'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const startTimeoutMs = 60_000
const stopTimeoutMs = 5_000

const usage = `usage: npm run bench -- [options]
  --auth-url URL     benchmark a running cloud (its identity v3 URL, on 127.0.0.1)
  --password PW      admin password for --auth-url (or NIMBUS_ADMIN_PASSWORD)
  --pid PID          server process to read RSS from when --auth-url is given
  --requests N       requests per scenario (default 20000; the first 5% warm the server up and are not counted)
  --max-seconds S    time limit per scenario (default 15)
  --concurrency LIST comma-separated concurrency levels (default 1,16)
  --image-mib N      image upload/download size in MiB (default 1024; 0 skips the image section)
  --image-runs N     image transfer runs, each with its own disk measurement (default 3)`

interface Target {
  authUrl: string
  password: string
  pid: number | undefined
  child: ChildProcess | undefined
  dataDir: string | undefined
  readyMs: number | undefined
  firstTokenMs: number | undefined
}

interface Scenario {
  label: string
  build: () => HttpRequest
  status: number
}

async function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => done(port))
    })
  })
}

function passwordAuth(password: string) {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'admin', domain: { id: 'default' }, password } },
      },
      scope: { project: { name: 'admin', domain: { id: 'default' } } },
    },
  }
}

function tokenRequest(authUrl: string, password: string): HttpRequest {
  return { method: 'POST', url: `${authUrl}/auth/tokens`, body: passwordAuth(password) }
}

async function issueToken(agent: Agent, authUrl: string, password: string): Promise<string> {
  const result = await send(agent, tokenRequest(authUrl, password))
  const token = result.headers['x-subject-token']
  if (result.status !== 201 || typeof token !== 'string') {
    throw new Error(`POST ${authUrl}/auth/tokens answered ${result.status}: ${result.body}`)
  }
  return token
}

/** Starts `nimbus up` and times the ready line and the first token it issues. */
async function startOwnCloud(): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nimbus-bench-'))
  const port = await freePort()
  const password = randomBytes(12).toString('hex')
  const authUrl = `http://127.0.0.1:${port}/v3`
  const args = ['up', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port)]
  args.push('--admin-password', password, '--region', 'RegionOne')
  const t0 = performance.now()
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'nimbus.js'), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  let readyMs: number | undefined
  let exited = false
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (readyMs === undefined && chunk.includes('Nimbus is ready: '))
      readyMs = performance.now() - t0
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000)
  })
  child.once('exit', () => {
    exited = true
  })
  const target: Target = {
    authUrl,
    password,
    pid: child.pid,
    child,
    dataDir,
    readyMs: undefined,
    firstTokenMs: undefined,
  }
  const agent = new Agent({ keepAlive: false })
  try {
    while (performance.now() - t0 < startTimeoutMs) {
      if (exited) throw new Error(`nimbus exited during start-up\n${stderr}`)
      const result = await send(agent, tokenRequest(authUrl, password)).catch(() => undefined)
      if (result?.status === 201) {
        target.firstTokenMs = performance.now() - t0
        // The listener can answer before the ready line reaches this process's pipe.
        for (let waited = 0; readyMs === undefined && waited < 5_000; waited += 20) await sleep(20)
        target.readyMs = readyMs
        return target
      }
      await sleep(20)
    }
  } finally {
    agent.destroy()
  }
  await stopOwnCloud(target)
  throw new Error(`nimbus issued no token within ${startTimeoutMs / 1000} s\n${stderr}`)
}

async function stopOwnCloud(target: Target): Promise<void> {
  const child = target.child
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((done) => child.once('exit', done))
    child.kill('SIGTERM')
    const outcome = await Promise.race([exited, sleep(stopTimeoutMs, 'timeout')])
    if (outcome === 'timeout') {
      console.error(`nimbus did not exit within ${stopTimeoutMs / 1000} s of SIGTERM; killed`)
      child.kill('SIGKILL')
      await exited
    }
  }
  if (target.dataDir) await rm(target.dataDir, { recursive: true, force: true })
}

/** The resident set size of a process in MiB, from /proc/<pid>/status. */
async function rssMiB(pid: number | undefined): Promise<string> {
  if (pid === undefined) return 'n/a'
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]
    return kib === undefined ? 'n/a' : `${(Number(kib) / 1024).toFixed(1)} MiB`
  } catch {
    return 'n/a'
  }
}

function scenarios(authUrl: string, password: string, token: string): Scenario[] {
  const auth = { 'X-Auth-Token': token }
  return [
    { label: 'POST /v3/auth/tokens', status: 201, build: () => tokenRequest(authUrl, password) },
    {
      label: 'GET /v3/auth/tokens',
      status: 200,
      build: () => ({
        method: 'GET',
        url: `${authUrl}/auth/tokens`,
        headers: { ...auth, 'X-Subject-Token': token },
      }),
    },
    {
      label: 'GET /v3/projects',
      status: 200,
      build: () => ({ method: 'GET', url: `${authUrl}/projects`, headers: auth }),
    },
  ]
}

function row(cells: string[]): string {
  const widths = [24, 5, 9, 7, 9, 9, 9]
  return cells
    .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
    .join(' ')
}

function reportRow(label: string, concurrency: number, report: LoadReport): string {
  return row([
    label,
    String(concurrency),
    String(report.completed),
    String(report.errors),
    report.requestsPerSecond.toFixed(1),
    report.p50Ms.toFixed(2),
    report.p99Ms.toFixed(2),
  ])
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`)
  return n
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'auth-url': { type: 'string' },
      password: { type: 'string' },
      pid: { type: 'string' },
      requests: { type: 'string' },
      'max-seconds': { type: 'string' },
      concurrency: { type: 'string' },
      'image-mib': { type: 'string' },
      'image-runs': { type: 'string' },
      help: { type: 'boolean' },
    },
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const requests = positiveInt(values.requests, 20000, '--requests')
  const maxMs = positiveInt(values['max-seconds'], 15, '--max-seconds') * 1000
  const imageMib =
    values['image-mib'] === '0' ? 0 : positiveInt(values['image-mib'], 1024, '--image-mib')
  const imageRuns = positiveInt(values['image-runs'], 3, '--image-runs')
  const levels = (values.concurrency ?? '1,16')
    .split(',')
    .map((level) => positiveInt(level.trim(), 1, '--concurrency'))

  let target: Target
  if (values['auth-url']) {
    const password = values.password ?? process.env['NIMBUS_ADMIN_PASSWORD']
    if (!password) throw new Error('--auth-url needs --password or NIMBUS_ADMIN_PASSWORD')
    const authUrl = values['auth-url'].replace(/\/+$/, '')
    assertLoopback(authUrl)
    const pid = values.pid === undefined ? undefined : positiveInt(values.pid, 1, '--pid')
    target = {
      authUrl,
      password,
      pid,
      child: undefined,
      dataDir: undefined,
      readyMs: undefined,
      firstTokenMs: undefined,
    }
  } else {
    target = await startOwnCloud()
  }

  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    await sleep(1_000)
    const idleRss = await rssMiB(target.pid)
    const token = await issueToken(agent, target.authUrl, target.password)
    console.log(`Nimbus benchmark: node ${process.version}, ${cpus().length} CPUs`)
    console.log(`target: ${target.authUrl}${target.child ? ' (started by the benchmark)' : ''}`)
    if (target.firstTokenMs !== undefined) {
      const ready = target.readyMs === undefined ? 'n/a' : `${target.readyMs.toFixed(0)} ms`
      console.log(
        `start-up: spawn -> ready line ${ready}, spawn -> first token ` +
          `${target.firstTokenMs.toFixed(0)} ms`,
      )
    }
    console.log(`each scenario: at most ${requests} requests or ${maxMs / 1000} s\n`)
    console.log(row(['operation', 'conc', 'requests', 'errors', 'req/s', 'p50 ms', 'p99 ms']))
    const failures: string[] = []
    for (const concurrency of levels) {
      for (const scenario of scenarios(target.authUrl, target.password, token)) {
        const report = await runLoad({
          concurrency,
          requests,
          maxMs,
          warmup: Math.max(5, Math.floor(requests / 20)),
          build: scenario.build,
          ok: (result) => result.status === scenario.status,
        })
        console.log(reportRow(scenario.label, concurrency, report))
        if (report.firstError)
          failures.push(`${scenario.label} c=${concurrency}: ${report.firstError}`)
      }
    }
    const loadedRss = await rssMiB(target.pid)
    console.log(`\nserver RSS: ${idleRss} idle after start, ${loadedRss} after the load`)
    if (imageMib > 0) {
      // The probe file goes where the images go when the benchmark started the cloud.
      const report = await runImageThroughput(
        {
          authUrl: target.authUrl,
          token,
          ...(target.pid !== undefined ? { pid: target.pid } : {}),
          ...(target.dataDir ? { storeDir: join(target.dataDir, 'images') } : {}),
          probeDir: target.dataDir ?? tmpdir(),
        },
        { mib: imageMib, runs: imageRuns },
      ).catch((error: unknown) => {
        failures.push(`image throughput: ${error instanceof Error ? error.message : String(error)}`)
        return undefined
      })
      console.log('')
      for (const line of report ? formatImageThroughput(report) : []) console.log(line)
      console.log(
        `server RSS: ${loadedRss} before the image transfers, ${await rssMiB(target.pid)} after`,
      )
    }
    if (failures.length > 0) {
      console.log('\nerrors (first of each scenario):')
      for (const failure of failures) console.log(`  ${failure}`)
      process.exitCode = 1
    }
  } finally {
    agent.destroy()
    await stopOwnCloud(target)
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
