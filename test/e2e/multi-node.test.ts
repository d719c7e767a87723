/** @module test/e2e/multi-node.test: a controller and a compute node, two processes over RabbitMQ and a SQL server */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connect } from 'amqplib'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanEnv, freePort, makeDataDir, removeDataDir, runCommand } from './cloud.js'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const BROKER = 'rabbit://guest:guest@127.0.0.1:5672/'
const SERVICE_DOWN_WAIT_MS = 90_000

type Row = Record<string, unknown>

/** A SQL server the controller keeps its databases in, or why it cannot be used here. */
interface SqlTarget {
  name: string
  url: string
  /** Checks the server answers; returns why not. */
  unavailable(): Promise<string | undefined>
  /** Drops every database named `<base>_<service>`. */
  drop(): Promise<void>
}

function mariadbTarget(base: string): SqlTarget {
  const options = { host: '127.0.0.1', port: 3306, user: 'root', password: '' }
  return {
    name: 'MariaDB',
    url: `mysql://root@127.0.0.1:3306/${base}`,
    async unavailable() {
      try {
        const mysql = await import('mysql2/promise')
        await (await mysql.createConnection(options)).end()
        return undefined
      } catch (error) {
        return `MariaDB at 127.0.0.1:3306 is unreachable: ${String(error)}`
      }
    },
    async drop() {
      const mysql = await import('mysql2/promise')
      const admin = await mysql.createConnection(options)
      try {
        const [rows] = await admin.query(`SHOW DATABASES LIKE '${base}\\_%'`)
        for (const row of rows as Record<string, string>[]) {
          await admin.query(`DROP DATABASE \`${Object.values(row)[0] ?? ''}\``)
        }
      } finally {
        await admin.end()
      }
    },
  }
}

function postgresTarget(base: string): SqlTarget {
  const options = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' }
  const withClient = async <T>(fn: (c: import('pg').Client) => Promise<T>): Promise<T> => {
    const { default: pg } = await import('pg')
    const client = new pg.Client(options)
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end()
    }
  }
  return {
    name: 'PostgreSQL',
    url: `postgresql://postgres@127.0.0.1:5432/${base}`,
    async unavailable() {
      try {
        await withClient(async () => undefined)
        return undefined
      } catch (error) {
        return `PostgreSQL at 127.0.0.1:5432 is unreachable: ${String(error)}`
      }
    },
    async drop() {
      await withClient(async (client) => {
        const { rows } = await client.query<{ datname: string }>(
          `SELECT datname FROM pg_database WHERE datname LIKE $1`,
          [`${base}\\_%`],
        )
        for (const { datname } of rows) {
          await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`)
        }
      })
    },
  }
}

async function brokerUnavailable(): Promise<string | undefined> {
  try {
    await (await connect('amqp://guest:guest@127.0.0.1:5672/')).close()
    return undefined
  } catch (error) {
    return `RabbitMQ at 127.0.0.1:5672 is unreachable: ${String(error)}`
  }
}

/** Deletes the queues and exchanges one cloud left on the broker, per-host ones of both processes too. */
async function removeBrokerState(exchange: string, hosts: string[]): Promise<void> {
  const topics = [
    'compute',
    'compute-conductor',
    'compute-scheduler',
    'network-plugin',
    'network-agent',
    'volume',
    'volume-server',
  ]
  const connection = await connect('amqp://guest:guest@127.0.0.1:5672/')
  try {
    const channel = await connection.createChannel()
    const perHost = [...hosts, hostname()].flatMap((h) => topics.map((t) => `${t}.${h}`))
    for (const topic of [...topics, ...perHost]) {
      await channel.deleteQueue(`${exchange}.${topic}`)
      await channel.deleteExchange(`${exchange}.${topic}_fanout`)
    }
    await channel.deleteExchange(exchange)
  } finally {
    await connection.close()
  }
}

/** A `nimbus up` child process. */
interface NimbusProcess {
  output(): string
  /** SIGTERM, then SIGKILL after 5 s; resolves the exit code. */
  stop(): Promise<number | null>
}

/** Waits this long for a ready line: a controller creates and migrates every database first. */
const READY_TIMEOUT_MS = 90_000

/** Starts `nimbus up ARGS` and resolves once it printed a line matching `ready`. */
async function startNimbus(args: string[], ready: RegExp): Promise<NimbusProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'nimbus.js'), 'up', ...args],
    { cwd: repoRoot, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    const code = await exited
    clearTimeout(killer)
    return code
  }
  try {
    await new Promise<void>((resolveReady, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`nimbus up ${args[1] ?? ''} not ready in 90 s:\n${output}`)),
        READY_TIMEOUT_MS,
      )
      child.stdout?.on('data', () => {
        if (ready.test(output)) {
          clearTimeout(timer)
          resolveReady()
        }
      })
      void exited.then((code) => {
        clearTimeout(timer)
        fail(new Error(`nimbus exited (code ${code}) before it was ready:\n${output}`))
      })
    })
  } catch (error) {
    await stop()
    throw error
  }
  return { output: () => output, stop }
}

async function adminToken(base: string, password: string): Promise<string> {
  const response = await fetch(`${base}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
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
  if (!response.ok || token === null) throw new Error(`admin sign-in: ${response.status}`)
  return token
}

/** The controller process and the openstack CLI pointed at it as admin. */
interface Controller extends NimbusProcess {
  dataDir: string
  port: number
  run(args: string[]): Promise<string>
  runJson(args: string[]): Promise<unknown>
  /** Calls the API listener as admin (setup the CLI would only make slower). */
  api(method: string, path: string, body?: unknown): Promise<Row>
}

async function startController(args: string[], dataDir: string): Promise<Controller> {
  const port = await freePort()
  const password = randomBytes(12).toString('hex')
  const child = await startNimbus(
    [
      '--role',
      'controller',
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--admin-password',
      password,
      ...args,
    ],
    /^Nimbus is ready: /m,
  )
  const env = cleanEnv({ OS_CLIENT_CONFIG_FILE: join(dataDir, 'clouds.yaml'), OS_CLOUD: 'nimbus' })
  const run = async (cliArgs: string[]) => {
    const result = await runCommand('/usr/bin/openstack', cliArgs, env)
    if (result.exitCode !== 0) {
      throw new Error(`openstack ${cliArgs.join(' ')} exited ${result.exitCode}: ${result.stderr}`)
    }
    return result.stdout
  }
  const base = `http://127.0.0.1:${port}`
  let token: string | undefined
  const api = async (method: string, path: string, body?: unknown): Promise<Row> => {
    token ??= await adminToken(base, password)
    const raw = body instanceof Buffer
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        'x-auth-token': token,
        'content-type': raw ? 'application/octet-stream' : 'application/json',
      },
      ...(body === undefined ? {} : { body: raw ? new Uint8Array(body) : JSON.stringify(body) }),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
    return text === '' ? {} : (JSON.parse(text) as Row)
  }
  return {
    ...child,
    dataDir,
    port,
    api,
    run,
    runJson: async (cliArgs) => JSON.parse(await run([...cliArgs, '-f', 'json'])) as unknown,
  }
}

function row(value: unknown): Row {
  expect(value, 'a JSON object').toBeTypeOf('object')
  return value as Row
}

/** A controller process and a compute node process sharing a SQL server and the broker. */
interface Cluster {
  controller: Controller
  node: NimbusProcess
  /** The compute node's host name. */
  host: string
  /** Stops both processes and removes their data dirs, databases and broker state. */
  remove(): Promise<void>
}

async function startCluster(target: SqlTarget, run: string): Promise<Cluster> {
  const tag = `${target.name.toLowerCase()}-${run}`
  const exchange = `nimbus-e2e-${tag}`
  const host = `node2-${tag}`
  const bus = ['--transport-url', BROKER, '--control-exchange', exchange]
  const controllerDir = await makeDataDir()
  const nodeDir = await makeDataDir()
  const removeState = async () => {
    await removeDataDir(controllerDir)
    await removeDataDir(nodeDir)
    await target.drop()
    await removeBrokerState(exchange, [host])
  }
  let controller: Controller | undefined
  try {
    controller = await startController(['--database', target.url, ...bus], controllerDir)
    const users = JSON.parse(
      await readFile(join(controllerDir, 'identity', 'service-users.json'), 'utf8'),
    ) as Record<string, string>
    const node = await startNimbus(
      [
        '--role',
        'compute',
        '--data-dir',
        nodeDir,
        '--host-name',
        host,
        ...bus,
        '--controller-url',
        `http://127.0.0.1:${controller.port}`,
        '--service-password',
        users['nova'] ?? '',
      ],
      /^Nimbus compute node is ready: /m,
    )
    const started = controller
    return {
      controller: started,
      node,
      host,
      async remove() {
        await node.stop()
        await started.stop()
        await removeState()
      },
    }
  } catch (error) {
    await controller?.stop()
    await removeState()
    throw error
  }
}

/** The compute node's services and hypervisors as the controller's CLI shows them. */
async function expectListed(cluster: Cluster): Promise<void> {
  const services = (await cluster.controller.runJson(['compute', 'service', 'list'])) as Row[]
  const computes = services.filter((s) => s['Binary'] === 'nova-compute')
  expect(computes.map((s) => [s['Host'], s['State']])).toEqual([[cluster.host, 'up']])
  const hypervisors = (await cluster.controller.runJson(['hypervisor', 'list'])) as Row[]
  expect(hypervisors.map((h) => [h['Hypervisor Hostname'], h['State']])).toEqual([
    [cluster.host, 'up'],
  ])
}

/** Boots a server in a zone holding only the compute node and expects it ACTIVE there. */
async function expectBootsOnNode(cluster: Cluster): Promise<void> {
  const cloud = cluster.controller
  const image = await cloud.api('POST', '/image/v2/images', {
    name: 'mn-image',
    disk_format: 'raw',
    container_format: 'bare',
  })
  await cloud.api('PUT', `/image/v2/images/${String(image['id'])}/file`, Buffer.alloc(64 * 1024, 7))
  const { network } = await cloud.api('POST', '/networking/v2.0/networks', {
    network: { name: 'mn-net' },
  })
  await cloud.api('POST', '/networking/v2.0/subnets', {
    subnet: { network_id: row(network)['id'], cidr: '10.32.0.0/24', ip_version: 4 },
  })
  await cloud.run(['aggregate', 'create', '--zone', 'node2-zone', 'node2-agg'])
  await cloud.run(['aggregate', 'add', 'host', 'node2-agg', cluster.host])
  const created = row(
    await cloud.runJson([
      'server',
      'create',
      '--flavor',
      'm1.tiny',
      '--image',
      'mn-image',
      '--network',
      'mn-net',
      '--availability-zone',
      'node2-zone',
      'mn-vm',
    ]),
  )
  for (let i = 0; i < 120; i++) {
    const { server } = await cloud.api('GET', `/compute/v2.1/servers/${String(created['id'])}`)
    if (row(server)['status'] !== 'BUILD') break
    await new Promise((r) => setTimeout(r, 500))
  }
  const server = row(await cloud.runJson(['server', 'show', 'mn-vm']))
  expect(server['status'], JSON.stringify(server['fault'] ?? null)).toBe('ACTIVE')
  expect(server['OS-EXT-SRV-ATTR:host']).toBe(cluster.host)
  expect(server['OS-EXT-AZ:availability_zone']).toBe('node2-zone')
}

const run = randomBytes(4).toString('hex')
const brokerSkip = await brokerUnavailable()
const mariadb = mariadbTarget(`nimbus_mn_${run}`)
const postgres = postgresTarget(`nimbus_mnpg_${run}`)
const mariadbSkip = brokerSkip ?? (await mariadb.unavailable())
const postgresSkip = brokerSkip ?? (await postgres.unavailable())

describe('multi-node: a controller and a compute node over RabbitMQ', () => {
  const clusters: Cluster[] = []
  let onMariadb: Cluster | undefined
  let nodeStoppedAt = 0

  afterAll(async () => {
    for (const cluster of clusters.splice(0)) await cluster.remove()
  })

  it.skipIf(mariadbSkip !== undefined)(
    'with the controller on MariaDB: the node is listed and a server boots on it',
    async () => {
      onMariadb = await startCluster(mariadb, run)
      clusters.push(onMariadb)
      await expectListed(onMariadb)
      await expectBootsOnNode(onMariadb)
      // Stopped now, checked last: the 60 s until it counts as down overlap the next test.
      expect(await onMariadb.node.stop()).toBe(0)
      nodeStoppedAt = Date.now()
    },
  )

  it.skipIf(postgresSkip !== undefined)(
    'with the controller on PostgreSQL: the node is listed and a server boots on it',
    async () => {
      const cluster = await startCluster(postgres, run)
      clusters.push(cluster)
      await expectListed(cluster)
      await expectBootsOnNode(cluster)
      await cluster.remove()
      clusters.splice(clusters.indexOf(cluster), 1)
    },
  )

  it.skipIf(mariadbSkip !== undefined)(
    'shows the stopped compute node down in compute service list and hypervisor list',
    { timeout: SERVICE_DOWN_WAIT_MS + 30_000 },
    async () => {
      const cluster = onMariadb as Cluster
      expect(nodeStoppedAt).toBeGreaterThan(0)
      let state: unknown
      for (;;) {
        const services = (await cluster.controller.runJson(['compute', 'service', 'list'])) as Row[]
        state = services.find((s) => s['Host'] === cluster.host)?.['State']
        if (state === 'down' || Date.now() > nodeStoppedAt + SERVICE_DOWN_WAIT_MS) break
        await new Promise((r) => setTimeout(r, 2_000))
      }
      expect(state).toBe('down')
      const hypervisors = (await cluster.controller.runJson(['hypervisor', 'list'])) as Row[]
      expect(hypervisors.find((h) => h['Hypervisor Hostname'] === cluster.host)?.['State']).toBe(
        'down',
      )
    },
  )
})
