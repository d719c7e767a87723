/** @module network/agents/test/multi-host-fixture: a network server in this process and "hosts" as namespaces on an underlay bridge, each running its agents in a process of its own over RabbitMQ */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, readdir, rm } from 'node:fs/promises'
import { createServer, connect as connectTcp, type Server, type Socket } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connect as connectAmqp } from 'amqplib'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { createAmqpBus, type Bus } from '../../../core/bus/index.js'
import { systemClock } from '../../../core/clock/index.js'
import { parseDatabaseUrl } from '../../../core/db/index.js'
import { createHttpServer, mountService } from '../../../core/http/index.js'
import { randomIds } from '../../../core/ids/index.js'
import { silentLogger } from '../../../core/log/index.js'
import { exec, type ExecError } from '../../../core/sys/exec.js'
import { deleteLink, ensureBridge, ensureVeth, setLink } from '../../../core/sys/ip-link.js'
import { deleteNetns, ensureNetns, execInNetns } from '../../../core/sys/netns.js'
import { signalProcess } from '../../../core/sys/process-table.js'
import { createNetworkUnit, type NetworkUnit } from '../../network-unit.js'
import { dhcpNamespace, routerNamespace, tapName } from '../../rpc/device-names.js'
import { testNetworkConfig } from '../../test/network-fixture.js'
import type { AgentHostSpec } from './agent-host.js'
import { ADMIN_PROJECT, ADMIN_TOKEN, tokens, type Json } from './dataplane-fixture.js'

const BROKER = { host: '127.0.0.1', port: 5672, user: 'guest', password: 'guest' }
const AGENT_HOST_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'agent-host.ts')
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')

/** Whether RabbitMQ answers on 127.0.0.1:5672; the reason when it does not. */
export async function brokerUnavailable(): Promise<string | undefined> {
  try {
    const url = `amqp://${BROKER.user}:${BROKER.password}@${BROKER.host}:${BROKER.port}/`
    await (await connectAmqp(url)).close()
    return undefined
  } catch (error) {
    return `RabbitMQ at 127.0.0.1:5672 is unreachable: ${String(error)}`
  }
}

/** One "host": a namespace with an underlay address, and its agents' process when running. */
export interface AgentHost {
  /** The host name ports bind to. */
  name: string
  netns: string
  /** Its underlay address, the VTEP of its VXLAN devices. */
  tunnelIp: string
  /** The pid of the running agents' process, if any. */
  readonly pid: number | undefined
  /** Starts the agents' process and resolves once they serve (first sync done). */
  start(): Promise<void>
  /** SIGKILL, as a crash: nothing of the agents' own cleanup runs. */
  kill(): Promise<void>
  /** SIGTERM, an orderly stop. */
  stop(): Promise<void>
}

/** A guest namespace plugged into a host's tap. */
export interface HostGuest {
  netns: string
  portId: string
  /** Asks for a DHCP lease (busybox udhcpc); the offered address, or undefined when none came. */
  lease(): Promise<string | undefined>
  run(program: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>
}

/** The fixture. */
export interface MultiHostFixture {
  tag: string
  request(options: InjectOptions): Promise<LightMyRequestResponse>
  create(path: string, key: string, body: Json): Promise<Json>
  /** Adds a host namespace running `kinds` agents (not started yet). */
  addHost(kinds: AgentHostSpec['kinds']): Promise<AgentHost>
  /** Plugs a guest for `port` into `host`; with `prefix`, gives it the port's address statically. */
  plugGuest(host: AgentHost, port: Json, prefix?: number): Promise<HostGuest>
  /** Gives a host another underlay address (its agents see it at their next start). */
  readdress(host: AgentHost): Promise<void>
  /** Cuts a host off the broker (its connections drop, new ones are refused) or lets it back. */
  reachBroker(host: AgentHost, reachable: boolean): void
  /** Removes a guest namespace (its veth and the host's tap go with it). */
  unplugGuest(guest: HostGuest): Promise<void>
  /** The pids of the dnsmasq processes the hosts' agents started (found by their data dir). */
  dnsmasqPids(): Promise<number[]>
  close(): Promise<void>
}

/** Polls `probe` every 200 ms until it returns true; throws `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await probe()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** A TCP relay from the underlay to the broker, which listens on the root namespace's loopback. */
interface Relay {
  port: number
  /** Drops the connections from `address` and refuses new ones (`false`) or takes them again. */
  admit(address: string, admitted: boolean): void
  close(): Promise<void>
}

async function startRelay(address: string): Promise<Relay> {
  const sockets = new Set<Socket>()
  const refused = new Set<string>()
  const server: Server = createServer((inbound) => {
    if (refused.has(inbound.remoteAddress ?? '')) {
      inbound.destroy()
      return
    }
    const outbound = connectTcp(BROKER.port, BROKER.host)
    for (const s of [inbound, outbound]) {
      sockets.add(s)
      s.on('error', () => undefined)
      s.on('close', () => {
        sockets.delete(s)
        inbound.destroy()
        outbound.destroy()
      })
    }
    inbound.pipe(outbound)
    outbound.pipe(inbound)
  })
  await new Promise<void>((done) => server.listen(0, address, done))
  const bound = server.address()
  return {
    port: typeof bound === 'object' && bound ? bound.port : 0,
    admit(from, admitted) {
      if (admitted) {
        refused.delete(from)
        return
      }
      refused.add(from)
      for (const s of sockets) if (s.remoteAddress === from) s.destroy()
    },
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy()
        server.close(() => done())
      }),
  }
}

async function deleteBrokerState(exchange: string, hosts: string[]): Promise<void> {
  const url = `amqp://${BROKER.user}:${BROKER.password}@${BROKER.host}:${BROKER.port}/`
  const connection = await connectAmqp(url)
  try {
    const channel = await connection.createChannel()
    for (const topic of ['network-plugin', 'network-agent']) {
      for (const queue of [topic, ...hosts.map((h) => `${topic}.${h}`)]) {
        await channel.deleteQueue(`${exchange}.${queue}`)
      }
      await channel.deleteExchange(`${exchange}.${topic}_fanout`)
    }
    await channel.deleteExchange(exchange)
  } finally {
    await connection.close()
  }
}

/** Kills every process in a namespace (SIGKILL). */
async function killNetnsProcesses(netns: string): Promise<void> {
  const { stdout } = await exec('ip', ['netns', 'pids', netns], { okCodes: [0, 1] })
  for (const pid of stdout.split('\n').filter(Boolean)) signalProcess(Number(pid), 'SIGKILL')
}

/** Builds the server, the underlay bridge and the broker relay; hosts come with `addHost`. */
export async function createMultiHostFixture(): Promise<MultiHostFixture> {
  const tag = randomBytes(3).toString('hex')
  const octet = 16 + ((randomBytes(1)[0] ?? 0) % 200)
  const underlay = { bridge: `d2u${tag}`, gateway: `100.127.${octet}.1`, prefix: 24 }
  const dataDir = `/tmp/d2-${tag}`
  const exchange = `d2-${tag}`
  const vniBase = 200_000 + (randomBytes(2).readUInt16BE(0) % 1000) * 100
  const logger = silentLogger()
  await mkdir(dataDir, { recursive: true })
  const hosts: AgentHost[] = []
  const guests = new Set<HostGuest>()
  const madeIds = { networks: new Set<string>(), routers: new Set<string>() }
  let bus: Bus | undefined
  let unit: NetworkUnit | undefined
  let relay: Relay | undefined
  const server = createHttpServer({ logger })

  const dnsmasqPids = async (): Promise<number[]> => {
    const pids: number[] = []
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
      const [program = ''] = cmdline.split('\0')
      if (program.endsWith('dnsmasq') && cmdline.includes(dataDir)) pids.push(Number(entry))
    }
    return pids.sort((a, b) => a - b)
  }

  const close = async () => {
    for (const guest of guests) await removeGuest(guest).catch(() => undefined)
    for (const host of hosts) await host.kill().catch(() => undefined)
    // what the agents left when a test stopped half-way
    for (const pid of await dnsmasqPids()) signalProcess(pid, 'SIGKILL')
    for (const id of madeIds.networks) await deleteNetns(dhcpNamespace(id)).catch(() => undefined)
    for (const id of madeIds.routers) await deleteNetns(routerNamespace(id)).catch(() => undefined)
    // a killed agent's `ip monitor` outlives it and would keep the namespace and its veth alive
    for (const host of hosts) {
      await killNetnsProcesses(host.netns).catch(() => undefined)
      await deleteNetns(host.netns).catch(() => undefined)
    }
    await deleteLink(underlay.bridge).catch(() => undefined)
    await relay?.close()
    await server.app.close()
    await unit?.close()
    await bus?.close()
    await deleteBrokerState(
      exchange,
      hosts.map((h) => h.name),
    ).catch(() => undefined)
    await rm(dataDir, { recursive: true, force: true })
  }

  const removeGuest = async (guest: HostGuest) => {
    guests.delete(guest)
    await killNetnsProcesses(guest.netns)
    await deleteNetns(guest.netns)
  }

  try {
    await ensureBridge(underlay.bridge)
    await exec('ip', [
      'addr',
      'replace',
      `${underlay.gateway}/${underlay.prefix}`,
      'dev',
      underlay.bridge,
    ])
    await setLink(underlay.bridge, { up: true })
    relay = await startRelay(underlay.gateway)
    bus = await createAmqpBus({
      url: `amqp://${BROKER.user}:${BROKER.password}@${BROKER.host}:${BROKER.port}/`,
      exchange,
      queuePrefix: `${exchange}.`,
    })
    unit = await createNetworkUnit({
      database: parseDatabaseUrl('sqlite::memory:', '/tmp'),
      config: testNetworkConfig({
        mechanismDriver: 'linuxbridge',
        publicCidr: `198.19.${octet}.0/24`,
        vniRanges: [{ min: vniBase, max: vniBase + 99 }],
      }),
      logger,
      clock: systemClock,
      ids: randomIds,
      tokens,
      adminProjectId: ADMIN_PROJECT,
      bus,
    })
    for (const mount of unit.mounts) await mountService(server.app, mount)
    await server.app.ready()
  } catch (error) {
    await close()
    throw error
  }
  const brokerUrl = `amqp://${BROKER.user}:${BROKER.password}@${underlay.gateway}:${relay.port}/`

  const request: MultiHostFixture['request'] = (opts) =>
    server.app.inject({
      ...opts,
      url: `/networking${String(opts.url)}`,
      headers: { 'x-auth-token': ADMIN_TOKEN, ...(opts.headers ?? {}) },
    })

  const addHost: MultiHostFixture['addHost'] = async (kinds) => {
    const index = hosts.length + 1
    const name = `d2-${tag}-host${index}`
    const netns = `d2h-${tag}-${index}`
    const tunnelIp = `100.127.${octet}.${10 + index}`
    const spec: AgentHostSpec = {
      url: brokerUrl,
      exchange,
      host: name,
      // the host's only address is its underlay one: the agents find it themselves
      tunnelIp: '',
      kinds,
      dataDir: join(dataDir, `host${index}`),
      resyncSeconds: 300,
    }
    await mkdir(spec.dataDir, { recursive: true })
    let pid: number | undefined
    let exited: Promise<unknown> = Promise.resolve()
    let killer = new AbortController()
    const uplink = `d2u${tag}h${index}`
    const host: AgentHost = {
      name,
      netns,
      tunnelIp,
      get pid() {
        return pid
      },
      async start() {
        if (pid !== undefined) throw new Error(`the agents of ${name} run already`)
        await rm(join(spec.dataDir, 'ready'), { force: true })
        let failure: string | undefined
        killer = new AbortController()
        exited = exec(
          // nsenter, not ip netns exec: the namespaces the agents add must be seen by everyone, and
          // ip netns exec would give them a mount namespace of their own
          'nsenter',
          [
            `--net=/run/netns/${netns}`,
            process.execPath,
            '--import',
            'tsx',
            AGENT_HOST_SCRIPT,
            JSON.stringify(spec),
          ],
          { cwd: REPO_ROOT, timeoutMs: 3_600_000, input: '', signal: killer.signal },
        ).catch((error: ExecError) => {
          failure = `${error.message}\n${error.stderr}`
        })
        void exited.then(() => (failure ??= 'exited'))
        await waitFor(
          `the agents of ${name}`,
          async () => {
            if (failure) throw new Error(`the agents of ${name} ended: ${failure}`)
            const text = await readFile(join(spec.dataDir, 'ready'), 'utf8').catch(() => '')
            if (text === '') return false
            pid = Number(text)
            return true
          },
          60_000,
        ).catch(async (error: unknown) => {
          await host.kill()
          throw error
        })
      },
      async kill() {
        // nsenter runs node in its own place: the aborted child is the agents' process
        killer.abort()
        await exited
        pid = undefined
      },
      async stop() {
        if (pid === undefined) return
        signalProcess(pid, 'SIGTERM')
        await exited
        pid = undefined
      },
    }
    hosts.push(host)
    await ensureNetns(netns)
    await ensureVeth(uplink, 'ul0', { peerNetns: netns })
    await setLink(uplink, { master: underlay.bridge, up: true })
    await execInNetns(netns, 'ip', ['addr', 'replace', `${tunnelIp}/24`, 'dev', 'ul0'])
    await setLink('ul0', { up: true }, { netns })
    return host
  }

  return {
    tag,
    request,
    async create(path, key, body) {
      const res = await request({ method: 'POST', url: `/v2.0/${path}`, payload: { [key]: body } })
      if (res.statusCode !== 201)
        throw new Error(`POST ${path} answered ${res.statusCode}: ${res.body}`)
      const made = (res.json() as Json)[key] as Json
      if (key === 'network') madeIds.networks.add(String(made['id']))
      if (key === 'router') madeIds.routers.add(String(made['id']))
      return made
    },
    addHost,
    async plugGuest(host, port, prefix) {
      const portId = String(port['id'])
      const guest: HostGuest = {
        netns: `d2g-${portId}`,
        portId,
        async lease() {
          const out = await execInNetns(
            guest.netns,
            'busybox',
            ['udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-t', '8', '-T', '1', '-s', '/bin/true'],
            { timeoutMs: 30_000, okCodes: [0, 1] },
          )
          return /lease of (\S+) obtained/.exec(out.stdout + out.stderr)?.[1]
        },
        run: (program, args) =>
          execInNetns(guest.netns, program, args, { timeoutMs: 30_000, okCodes: [0, 1, 2] }),
      }
      guests.add(guest)
      await ensureNetns(guest.netns)
      const tap = tapName(portId)
      await ensureVeth(tap, 'eth0', { netns: host.netns, peerNetns: guest.netns })
      await setLink('eth0', { mac: String(port['mac_address']), up: true }, { netns: guest.netns })
      await setLink(tap, { up: true }, { netns: host.netns })
      if (prefix !== undefined) {
        const ip = (port['fixed_ips'] as { ip_address: string }[])[0]?.ip_address ?? ''
        await guest.run('ip', ['addr', 'add', `${ip}/${prefix}`, 'dev', 'eth0'])
      }
      return guest
    },
    unplugGuest: removeGuest,
    reachBroker: (host, reachable) => relay?.admit(host.tunnelIp, reachable),
    async readdress(host) {
      const old = host.tunnelIp
      host.tunnelIp = `100.127.${octet}.${Number(old.split('.')[3]) + 100}`
      // the old one first: deleting a primary address takes its secondaries along
      await execInNetns(host.netns, 'ip', ['addr', 'del', `${old}/24`, 'dev', 'ul0'])
      await execInNetns(host.netns, 'ip', ['addr', 'add', `${host.tunnelIp}/24`, 'dev', 'ul0'])
    },
    dnsmasqPids,
    close,
  }
}
