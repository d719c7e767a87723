/** @module network/agents/agents-unit: starts this host's L2, DHCP and L3 agents when the data plane is on, after checking the host can run them */
import { join } from 'node:path'
import type { Bus } from '../../core/bus/index.js'
import { exec } from '../../core/sys/exec.js'
import type { Logger } from '../../core/log/index.js'
import { netnsUnavailableReason } from '../../core/sys/netns.js'
import type { NetworkConfig } from '../config.js'
import { startDhcpAgent, type DhcpAgent } from './dhcp/dhcp-agent.js'
import { startL2Agent, type L2Agent } from './l2/l2-agent.js'
import { startL3Agent, type L3Agent } from './l3/l3-agent.js'
import { startMetadataAgent, type MetadataProxyOptions } from './metadata/metadata-agent.js'
import type { MetadataProxyServer } from './metadata/metadata-proxy-server.js'
import { detectTunnelIp } from './tunnel-address.js'

/** What the agents need from the composition root. */
export interface NetworkAgentsOptions {
  config: Readonly<NetworkConfig>
  /** The host name ports are bound to (the node's). */
  host: string
  dataDir: string
  bus: Bus
  logger: Logger
  /** Told each thing the host cannot do and what that means (printed at start). */
  notice(text: string): void
  /** Which agents to run; default all three (a compute node runs only `l2`). */
  kinds?: readonly ('l2' | 'dhcp' | 'l3')[]
  /**
   * The compute metadata API guests reach at 169.254.169.254 through router and isolated
   * network namespaces, and the secret shared with it; none: no metadata proxy.
   */
  metadata?: { url: string; secret: string }
}

/** The agents running in this process. */
export interface NetworkAgents {
  l2?: L2Agent
  dhcp?: DhcpAgent
  l3?: L3Agent
  /** The host side of the metadata proxy (with the DHCP or L3 agent, when configured). */
  metadata?: MetadataProxyServer
  stop(): Promise<void>
}

const DNSMASQ = '/usr/sbin/dnsmasq'
const HAPROXY = '/usr/sbin/haproxy'
/** Longest UNIX socket path the kernel takes (sun_path, with its terminating NUL). */
const MAX_SOCKET_PATH = 107

async function works(program: string, args: string[]): Promise<string | undefined> {
  try {
    await exec(program, args, { timeoutMs: 10_000 })
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}

/** What keeps this host from running the data plane, one reason per missing piece. */
export async function dataplaneProblems(): Promise<string[]> {
  const problems: string[] = []
  const netns = await netnsUnavailableReason()
  if (netns) problems.push(`network namespaces: ${netns}`)
  const bridge = await works('bridge', ['-V'])
  if (bridge) problems.push(`iproute2's bridge tool: ${bridge} (Debian package iproute2)`)
  const nft = await works('nft', ['--version'])
  if (nft) problems.push(`nftables: ${nft} (Debian package nftables)`)
  return problems
}

/** Starts the agents when `network.dataplane` is linuxbridge; otherwise starts nothing. */
export async function startNetworkAgents(options: NetworkAgentsOptions): Promise<NetworkAgents> {
  const agents: NetworkAgents = {
    async stop() {
      await agents.l3?.stop()
      await agents.dhcp?.stop()
      await agents.metadata?.close()
      await agents.l2?.stop()
    },
  }
  if (options.config.dataplane !== 'linuxbridge') return agents
  const problems = await dataplaneProblems()
  if (problems.length > 0) {
    for (const problem of problems) options.notice(`network data plane not started: ${problem}`)
    options.notice(
      'network data plane: ports bound to this host fail binding (binding_failed) until it can run; use --network-dataplane none for the control plane only',
    )
    return agents
  }
  const tunnelIp = options.config.tunnelIp || (await detectTunnelIp())
  if (!tunnelIp) {
    options.notice(
      'network data plane: no IPv4 address for VXLAN endpoints (--network-tunnel-ip): VXLAN networks cannot bind on this host',
    )
  }
  const kinds = new Set(options.kinds ?? ['l2', 'dhcp', 'l3'])
  const common = { bus: options.bus, host: options.host, logger: options.logger }
  const resyncSeconds = options.config.agentResyncSeconds
  const metadataProxy =
    kinds.has('dhcp') || kinds.has('l3') ? await startMetadataProxy(options, agents) : undefined
  if (kinds.has('l2')) {
    agents.l2 = await startL2Agent({
      ...common,
      tunnelIp,
      interfaceMappings: options.config.interfaceMappings,
      resyncSeconds,
      stateDir: join(options.dataDir, 'network', 'l2'),
    })
  }
  if (kinds.has('dhcp')) {
    const dnsmasq = await works(DNSMASQ, ['--version'])
    if (dnsmasq) {
      options.notice(`network data plane: no DHCP (${dnsmasq}; Debian package dnsmasq-base)`)
    } else {
      agents.dhcp = await startDhcpAgent({
        ...common,
        stateDir: join(options.dataDir, 'network', 'dhcp'),
        dnsmasq: DNSMASQ,
        resyncSeconds,
        ...(metadataProxy ? { metadataProxy } : {}),
      })
    }
  }
  if (kinds.has('l3')) {
    agents.l3 = await startL3Agent({
      ...common,
      resyncSeconds,
      stateDir: join(options.dataDir, 'network', 'l3'),
      ...(metadataProxy ? { metadataProxy } : {}),
    })
  }
  options.logger.info(
    { host: options.host, tunnelIp, dhcp: agents.dhcp !== undefined },
    'network agents started',
  )
  return agents
}

/** Starts the host's metadata agent when a metadata API is configured and haproxy is there. */
async function startMetadataProxy(
  options: NetworkAgentsOptions,
  agents: NetworkAgents,
): Promise<MetadataProxyOptions | undefined> {
  if (!options.metadata) {
    options.notice('network data plane: no metadata proxy (no compute metadata API configured)')
    return undefined
  }
  const haproxy = await works(HAPROXY, ['-v'])
  if (haproxy) {
    options.notice(
      `network data plane: guests get no metadata at 169.254.169.254 (${haproxy}; Debian package haproxy)`,
    )
    return undefined
  }
  const socketPath = join(options.dataDir, 'network', 'metadata', 'proxy.sock')
  if (socketPath.length > MAX_SOCKET_PATH) {
    options.notice(
      `network data plane: guests get no metadata: the socket path ${socketPath} is longer than ${MAX_SOCKET_PATH} bytes (use a shorter --data-dir)`,
    )
    return undefined
  }
  agents.metadata = await startMetadataAgent({
    bus: options.bus,
    host: options.host,
    logger: options.logger,
    socketPath,
    metadataUrl: options.metadata.url,
    secret: options.metadata.secret,
  })
  return { socketPath, haproxy: HAPROXY }
}
