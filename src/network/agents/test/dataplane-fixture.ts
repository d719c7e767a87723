/** @module network/agents/test/dataplane-fixture: a network server with the linuxbridge driver and real agents on one host, plus namespace "guests" */
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import type { AuthIdentity, TokenValidator } from '../../../core/auth/index.js'
import { createMemoryBus, type MemoryBus } from '../../../core/bus/index.js'
import { systemClock } from '../../../core/clock/index.js'
import { parseDatabaseUrl } from '../../../core/db/index.js'
import { UnauthorizedError } from '../../../core/errors/index.js'
import { createHttpServer, mountService } from '../../../core/http/index.js'
import { randomIds } from '../../../core/ids/index.js'
import { silentLogger } from '../../../core/log/index.js'
import { deleteLink, ensureVeth, setLink } from '../../../core/sys/ip-link.js'
import { exec } from '../../../core/sys/exec.js'
import {
  deleteNetns,
  ensureNetns,
  execInNetns,
  netnsUnavailableReason,
} from '../../../core/sys/netns.js'
import { createNetworkUnit, type NetworkUnit } from '../../network-unit.js'
import { bridgeName, tapName, vxlanName } from '../../rpc/device-names.js'
import { testNetworkConfig } from '../../test/network-fixture.js'
import { startDhcpAgent, type DhcpAgent } from '../dhcp/dhcp-agent.js'
import { startL2Agent, type L2Agent } from '../l2/l2-agent.js'
import { startL3Agent, type L3Agent } from '../l3/l3-agent.js'
import { startMetadataAgent } from '../metadata/metadata-agent.js'
import type { MetadataProxyServer } from '../metadata/metadata-proxy-server.js'
import { detectTunnelIp } from '../tunnel-address.js'

export type Json = Record<string, unknown>

/** The token every request of the data plane tests carries (admin of ADMIN_PROJECT). */
export const ADMIN_TOKEN = 'dataplane-admin'
export const ADMIN_PROJECT = 'p-dataplane'

const adminIdentity: AuthIdentity = {
  userId: 'u-admin',
  userName: 'admin',
  userDomainId: 'default',
  userDomainName: 'Default',
  projectId: ADMIN_PROJECT,
  projectName: 'admin',
  projectDomainId: 'default',
  projectDomainName: 'Default',
  roles: ['admin', 'member'],
  roleIds: ['admin', 'member'],
  auditIds: ['a'],
  expiresAt: '2999-01-01T00:00:00Z',
  issuedAt: '2026-01-01T00:00:00Z',
  methods: ['password'],
}

/** Validates {@link ADMIN_TOKEN} only. */
export const tokens: TokenValidator = {
  async validate(token) {
    if (token !== ADMIN_TOKEN) throw new UnauthorizedError()
    return adminIdentity
  },
}

/**
 * Why this host cannot run data plane tests (not root, no `ip netns`, or one of `programs`
 * missing), or undefined when it can.
 */
export async function dataplaneUnavailable(
  programs: readonly string[],
): Promise<string | undefined> {
  const reason = await netnsUnavailableReason()
  if (reason) return reason
  for (const program of programs) {
    const found = await exec('sh', ['-c', `command -v ${program}`], { okCodes: [0, 1, 127] })
    if (found.code !== 0) return `${program} is not installed (scripts/debian-packages.txt)`
  }
  return undefined
}

/** A namespace standing in for a guest: `eth0` with the port's MAC, its peer the port's tap. */
export interface Guest {
  netns: string
  portId: string
  /** Asks for a lease with busybox udhcpc; resolves with what the DHCP server offered. */
  dhcp(): Promise<Record<string, string>>
  run(program: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>
}

/** One host's data plane under test. */
export interface DataplaneFixture {
  host: string
  unit: NetworkUnit
  bus: MemoryBus
  l2: L2Agent
  readonly dhcp: DhcpAgent
  readonly l3: L3Agent
  /** Replaces the DHCP agent with a new one, leaving its namespaces and dnsmasq behind. */
  restartDhcpAgent(): Promise<void>
  /** Replaces the L3 agent with a new one, leaving its namespaces and proxies behind. */
  restartL3Agent(): Promise<void>
  /** The host side of the metadata proxy, when the fixture was made with `metadata`. */
  metadata?: MetadataProxyServer
  /** The external network's CIDR (chosen per run so runs never collide). */
  publicCidr: string
  request(options: InjectOptions): Promise<LightMyRequestResponse>
  create(path: string, key: string, body: Json): Promise<Json>
  plugGuest(port: Json): Promise<Guest>
  /** Runs every agent's sync once, in data-path order. */
  settle(): Promise<void>
  close(): Promise<void>
}

/**
 * Builds the server and the three agents of host `dp-<random>`; with `metadata`, also the
 * metadata agent forwarding guests' 169.254.169.254 requests to that API.
 */
export async function createDataplaneFixture(
  options: { metadata?: { url: string; secret: string } } = {},
): Promise<DataplaneFixture> {
  const tag = randomBytes(3).toString('hex')
  const host = `dp-${tag}`
  const publicCidr = `198.18.${randomBytes(1)[0] ?? 7}.0/24`
  const vniBase = 100_000 + (randomBytes(2).readUInt16BE(0) % 1000) * 100
  const logger = silentLogger()
  const bus = createMemoryBus()
  const stateDir = await mkdtemp(join(tmpdir(), 'nimbus-dataplane-'))
  const unit = await createNetworkUnit({
    database: parseDatabaseUrl('sqlite::memory:', '/tmp'),
    // VNIs of its own, so a cloud running on this host keeps its vxlan-<vni> devices
    config: testNetworkConfig({
      mechanismDriver: 'linuxbridge',
      publicCidr,
      vniRanges: [{ min: vniBase, max: vniBase + 99 }],
    }),
    logger,
    clock: systemClock,
    ids: randomIds,
    tokens,
    adminProjectId: ADMIN_PROJECT,
    bus,
  })
  const server = createHttpServer({ logger })
  for (const mount of unit.mounts) await mountService(server.app, mount)
  await server.app.ready()
  const l2 = await startL2Agent({
    bus,
    host,
    logger,
    tunnelIp: await detectTunnelIp(),
    interfaceMappings: {},
    pollMs: 200,
    stateDir: join(stateDir, 'l2'),
  })
  const socketPath = join(stateDir, 'metadata', 'proxy.sock')
  const metadata = options.metadata
    ? await startMetadataAgent({
        bus,
        host,
        logger,
        socketPath,
        metadataUrl: options.metadata.url,
        secret: options.metadata.secret,
      })
    : undefined
  const metadataProxy = metadata
    ? { metadataProxy: { socketPath, haproxy: '/usr/sbin/haproxy' } }
    : {}
  const startDhcp = () =>
    startDhcpAgent({ bus, host, logger, stateDir: join(stateDir, 'dhcp'), ...metadataProxy })
  let dhcp = await startDhcp()
  const startL3 = () =>
    startL3Agent({ bus, host, logger, stateDir: join(stateDir, 'l3'), ...metadataProxy })
  let l3 = await startL3()
  const guests: string[] = []
  const devices = new Set<string>()
  const request: DataplaneFixture['request'] = (opts) =>
    server.app.inject({
      ...opts,
      url: `/networking${String(opts.url)}`,
      headers: { 'x-auth-token': ADMIN_TOKEN, ...(opts.headers ?? {}) },
    })
  const settle = async () => {
    await l3.loop.syncNow()
    await dhcp.loop.syncNow()
    await l2.loop.syncNow()
  }
  return {
    host,
    unit,
    bus,
    l2,
    get dhcp() {
      return dhcp
    },
    get l3() {
      return l3
    },
    async restartDhcpAgent() {
      await dhcp.stop({ abandon: true })
      dhcp = await startDhcp()
    },
    async restartL3Agent() {
      await l3.stop({ abandon: true })
      l3 = await startL3()
    },
    ...(metadata ? { metadata } : {}),
    publicCidr,
    request,
    settle,
    async create(path, key, body) {
      const res = await request({ method: 'POST', url: `/v2.0/${path}`, payload: { [key]: body } })
      if (res.statusCode !== 201)
        throw new Error(`POST ${path} answered ${res.statusCode}: ${res.body}`)
      const made = (res.json() as Json)[key] as Json
      if (key === 'network') {
        devices.add(bridgeName(String(made['id'])))
        const vni = made['provider:segmentation_id']
        if (made['provider:network_type'] === 'vxlan' && typeof vni === 'number') {
          devices.add(vxlanName(vni))
        }
      }
      return made
    },
    async plugGuest(port) {
      const portId = String(port['id'])
      const netns = `guest-${portId}`
      guests.push(netns)
      await ensureNetns(netns)
      await ensureVeth(tapName(portId), 'eth0', { peerNetns: netns })
      await setLink('eth0', { mac: String(port['mac_address']), up: true }, { netns })
      await setLink(tapName(portId), { up: true })
      const leaseFile = join(stateDir, `lease-${portId}`)
      const script = join(stateDir, `udhcpc-${portId}.sh`)
      await writeFile(
        script,
        [
          '#!/bin/sh',
          'case "$1" in',
          '  bound|renew)',
          '    ip addr flush dev "$interface"',
          '    ip addr add "$ip/$mask" dev "$interface"',
          '    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"',
          '    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"',
          '    routes="$staticroutes"',
          '    set -- $staticroutes',
          '    while [ $# -ge 2 ]; do ip route replace "$1" via "$2" dev "$interface"; shift 2; done',
          `    printf 'ip=%s\\nmask=%s\\nrouter=%s\\nmtu=%s\\nroutes=%s\\n' "$ip" "$mask" "$router" "$mtu" "$routes" > ${leaseFile}`,
          '    ;;',
          'esac',
          '',
        ].join('\n'),
        { mode: 0o755 },
      )
      const run: Guest['run'] = (program, args) =>
        execInNetns(netns, program, args, { timeoutMs: 30_000, okCodes: [0, 1, 2] })
      return {
        netns,
        portId,
        run,
        async dhcp() {
          await execInNetns(
            netns,
            'busybox',
            [
              'udhcpc',
              '-i',
              'eth0',
              '-n',
              '-q',
              '-f',
              '-t',
              '8',
              '-T',
              '1',
              '-O',
              'mtu',
              '-O',
              'staticroutes',
              '-s',
              script,
            ],
            { timeoutMs: 30_000 },
          )
          const text = await readFile(leaseFile, 'utf8')
          return Object.fromEntries(
            text
              .trim()
              .split('\n')
              .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
          )
        },
      }
    },
    async close() {
      for (const netns of guests) await deleteNetns(netns).catch(() => undefined)
      await l3.stop({ cleanup: true })
      await dhcp.stop({ cleanup: true })
      await l2.stop({ cleanup: true })
      await metadata?.close()
      // what the agents left when a test stopped half-way
      for (const device of devices) await deleteLink(device).catch(() => undefined)
      await server.app.close()
      await unit.close()
      await bus.close()
      await rm(stateDir, { recursive: true, force: true })
    },
  }
}
