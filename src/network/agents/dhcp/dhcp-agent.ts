/** @module network/agents/dhcp/dhcp-agent: a qdhcp namespace and a supervised dnsmasq per network with DHCP */
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { createRpcClient, type Bus } from '../../../core/bus/index.js'
import type { Logger } from '../../../core/log/index.js'
import {
  deleteLink,
  ensureVeth,
  getLink,
  setLink,
  syncAddresses,
} from '../../../core/sys/ip-link.js'
import { deleteNetns, ensureNetns, execInNetns } from '../../../core/sys/netns.js'
import { superviseProcess, type SupervisedProcess } from '../../../core/sys/supervised-process.js'
import { dhcpInterfaceName, dhcpNamespace, tapName } from '../../rpc/device-names.js'
import { pluginRpc } from '../../rpc/contracts.js'
import type { DhcpNetwork } from '../../rpc/payloads.js'
import { startAgentLoop, type AgentLoop } from '../agent-loop.js'
import type { MetadataProxyOptions } from '../metadata/metadata-agent.js'
import { serveMetadataIn, stopMetadataIn } from '../metadata/namespace-metadata.js'
import { createNamespaceProxies } from '../metadata/namespace-proxies.js'
import { loadOwnedObjects } from '../owned-objects.js'
import { killLeftover, writeIfChanged } from '../state-files.js'
import {
  dnsmasqArgs,
  hostsFile,
  metadataNexthop,
  optsFile,
  prefixLength,
} from './dnsmasq-config.js'

/** What the DHCP agent is given. */
export interface DhcpAgentOptions {
  bus: Bus
  host: string
  logger: Logger
  /** Where each network's hosts and options files live (`<dir>/<network id>/`). */
  stateDir: string
  /** The dnsmasq program; default /usr/sbin/dnsmasq. */
  dnsmasq?: string
  resyncSeconds?: number
  /**
   * Serve 169.254.169.254 in the namespaces of networks with an IPv4 subnet no router serves
   * (Neutron's enable_isolated_metadata) through this host's metadata agent.
   */
  metadataProxy?: MetadataProxyOptions
}

/** A running DHCP agent. */
export interface DhcpAgent {
  readonly loop: AgentLoop
  /** The supervised dnsmasq of a network, if one runs. */
  dnsmasqOf(networkId: string): SupervisedProcess | undefined
  /** The pid of an isolated network's metadata proxy, if one runs. */
  metadataProxyPid(networkId: string): number | undefined
  /**
   * Stops the agent; `cleanup` also removes every namespace and process it made, `abandon`
   * leaves its dnsmasq processes running (as a killed agent would).
   */
  stop(options?: { cleanup?: boolean; abandon?: boolean }): Promise<void>
}

/**
 * Tells the network's dnsmasq to forget the IPv4 leases of hosts-file lines that left; false
 * when that cannot be done so (an IPv6 line, no dhcp_release, a failure).
 */
async function releaseLeases(
  ns: string,
  device: string,
  lines: readonly string[],
): Promise<boolean> {
  const leases = lines.map((line) => line.split(','))
  if (leases.some(([, , address]) => address === undefined || address.startsWith('['))) {
    return false
  }
  try {
    for (const [mac, , address] of leases) {
      await execInNetns(ns, 'dhcp_release', [device, address as string, mac as string], {
        timeoutMs: 10_000,
      })
    }
    return true
  } catch {
    return false
  }
}

/** Starts the DHCP agent of this host. */
export async function startDhcpAgent(options: DhcpAgentOptions): Promise<DhcpAgent> {
  const plugin = createRpcClient(options.bus, pluginRpc)
  const processes = new Map<string, SupervisedProcess>()
  const log = options.logger.child({ agent: 'dhcp' })
  const owned = await loadOwnedObjects(join(options.stateDir, 'networks.json'))
  const proxies = options.metadataProxy
    ? createNamespaceProxies({
        ...options.metadataProxy,
        stateDir: join(options.stateDir, 'metadata'),
        logger: options.logger,
      })
    : undefined

  // what each network's namespace was last built from in this process (its port, MTU, addresses)
  const plumbed = new Map<string, string>()

  /** The namespace, its port and addresses; `full` checks them even when nothing changed. */
  const buildNamespace = async (network: DhcpNetwork, full: boolean): Promise<void> => {
    const ns = dhcpNamespace(network.id)
    const inner = dhcpInterfaceName(network.port.id)
    const tap = tapName(network.port.id)
    const cidrs = network.port.fixedIps.flatMap((f) => {
      const subnet = network.subnets.find((s) => s.id === f.subnetId)
      return subnet ? [`${f.ipAddress}/${prefixLength(subnet.cidr)}`] : []
    })
    const built = JSON.stringify([network.port.id, network.port.macAddress, network.mtu, cidrs])
    if (!full && plumbed.get(network.id) === built) return
    plumbed.delete(network.id)
    await owned.add(network.id)
    await ensureNetns(ns)
    // the DHCP port's IPv6 addresses are fixed: no autoconfiguration, no duplicate detection delay
    await execInNetns(
      ns,
      'sysctl',
      ['-q', '-w', 'net.ipv6.conf.default.accept_ra=0', 'net.ipv6.conf.default.accept_dad=0'],
      { timeoutMs: 10_000 },
    )
    if (!(await getLink(inner, { netns: ns }))) {
      await deleteLink(tap)
      await ensureVeth(tap, inner, { peerNetns: ns })
    }
    await setLink(
      inner,
      { mac: network.port.macAddress, mtu: network.mtu, up: true },
      { netns: ns },
    )
    await setLink(tap, { mtu: network.mtu, up: true })
    await syncAddresses(inner, cidrs, { netns: ns })
    plumbed.set(network.id, built)
  }

  const buildNetwork = async (network: DhcpNetwork, full: boolean): Promise<void> => {
    const ns = dhcpNamespace(network.id)
    const inner = dhcpInterfaceName(network.port.id)
    await buildNamespace(network, full)
    const dir = join(options.stateDir, network.id)
    await mkdir(dir, { recursive: true })
    const hosts = hostsFile(network)
    const before = await readFile(join(dir, 'host'), 'utf8').catch(() => '')
    const hostsChanged = await writeIfChanged(join(dir, 'host'), hosts)
    // dnsmasq keeps the leases it gave in memory: an address whose port went (or changed its MAC)
    // stays leased to the old MAC and dnsmasq refuses it to the port that has it now.
    const kept = new Set(hosts.split('\n'))
    const left = before.split('\n').filter((line) => line !== '' && !kept.has(line))
    const metadataRoutes = proxies !== undefined
    const opts = optsFile(network, { metadataRoutes })
    const optsChanged = await writeIfChanged(join(dir, 'opts'), opts)
    const args = dnsmasqArgs(network, dir, inner)
    const argsChanged = await writeIfChanged(join(dir, 'args'), args.join('\n'))
    let proc = processes.get(network.id)
    // IPv4 leases are released as Neutron does (dhcp_release); a DHCPv6 release needs the
    // client's DUID, which only the client knows: a new dnsmasq forgets every lease instead
    // (it keeps no lease file), as it does when dhcp_release is missing or fails
    const restart = argsChanged || (left.length > 0 && !(await releaseLeases(ns, inner, left)))
    if (proc && restart) {
      await proc.stop()
      processes.delete(network.id)
      proc = undefined
    }
    if (!proc) {
      await killLeftover(join(dir, 'pid'))
      proc = superviseProcess({
        program: 'ip',
        args: ['netns', 'exec', ns, options.dnsmasq ?? '/usr/sbin/dnsmasq', ...args],
        onUnexpectedExit: (info) =>
          log.warn(
            { networkId: network.id, code: info.code, signal: info.signal, output: info.output },
            'dnsmasq exited; restarting it',
          ),
      })
      processes.set(network.id, proc)
    } else if (hostsChanged || optsChanged) {
      // dnsmasq rereads --dhcp-hostsfile and --dhcp-optsfile on SIGHUP
      proc.signal('SIGHUP')
    }
  }

  // isolated networks whose redirect and proxy this process set up
  const served = new Set<string>()
  const serveMetadata = async (network: DhcpNetwork, full: boolean): Promise<void> => {
    if (!proxies) return
    const netns = dhcpNamespace(network.id)
    const isolated = network.subnets.some((s) => metadataNexthop(network, s) !== undefined)
    if (isolated) {
      if (!full && served.has(network.id) && proxies.processOf(network.id)) return
      served.delete(network.id)
      await serveMetadataIn({ netns, kind: 'network', resourceId: network.id }, proxies)
      served.add(network.id)
    } else if (proxies.processOf(network.id) || (await proxies.known()).includes(network.id)) {
      served.delete(network.id)
      await stopMetadataIn({ netns, resourceId: network.id, netnsExists: true }, proxies)
    }
  }

  const removeNetwork = async (networkId: string): Promise<void> => {
    log.info({ networkId }, 'removing the DHCP service of a network')
    plumbed.delete(networkId)
    served.delete(networkId)
    await proxies?.remove(networkId)
    const proc = processes.get(networkId)
    processes.delete(networkId)
    await proc?.stop()
    const dir = join(options.stateDir, networkId)
    await killLeftover(join(dir, 'pid'))
    await deleteNetns(dhcpNamespace(networkId))
    await rm(dir, { recursive: true, force: true })
    await owned.remove(networkId)
  }

  const known = async (): Promise<Set<string>> => new Set([...processes.keys(), ...owned.list()])

  const loop = await startAgentLoop({
    bus: options.bus,
    host: options.host,
    agentType: 'dhcp',
    binary: 'nimbus-dhcp-agent',
    configurations: { dhcp_driver: 'dnsmasq' },
    logger: options.logger,
    ...(options.resyncSeconds ? { resyncSeconds: options.resyncSeconds } : {}),
    async sync({ full }) {
      const state = (await plugin.dhcpState({ host: options.host })) as { networks: DhcpNetwork[] }
      const wanted = new Set(state.networks.map((n) => n.id))
      for (const network of state.networks) {
        try {
          await buildNetwork(network, full)
          await serveMetadata(network, full)
        } catch (error) {
          log.error({ err: error, networkId: network.id }, 'could not build the DHCP service')
        }
      }
      for (const id of await known()) if (!wanted.has(id)) await removeNetwork(id)
      for (const id of (await proxies?.known()) ?? []) {
        if (!wanted.has(id)) await proxies?.remove(id)
      }
    },
  })

  return {
    loop,
    dnsmasqOf: (networkId) => processes.get(networkId),
    metadataProxyPid: (networkId) => proxies?.processOf(networkId)?.pid,
    async stop(stopOptions = {}) {
      await loop.stop()
      if (stopOptions.cleanup) {
        for (const id of await known()) await removeNetwork(id)
      } else if (stopOptions.abandon) {
        for (const proc of processes.values()) proc.detach()
      } else {
        for (const proc of processes.values()) await proc.stop()
      }
      processes.clear()
      await proxies?.stopAll({ abandon: stopOptions.abandon ?? false })
    },
  }
}
