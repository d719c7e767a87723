/** @module network/agents/l2/l2-agent: one Linux bridge per network on this host, VXLAN/flat uplinks, taps enslaved, port status reported */
import { join } from 'node:path'
import { createRpcClient, type Bus } from '../../../core/bus/index.js'
import { syncFdb } from '../../../core/sys/bridge-fdb.js'
import {
  deleteLink,
  ensureBridge,
  ensureVxlan,
  listLinks,
  setLink,
  type LinkInfo,
} from '../../../core/sys/ip-link.js'
import type { Logger } from '../../../core/log/index.js'
import { exec } from '../../../core/sys/exec.js'
import { nftDeleteTable, NftTableSync } from '../../../core/sys/nft.js'
import { superviseProcess } from '../../../core/sys/supervised-process.js'
import { bridgeName, tapName, vxlanName } from '../../rpc/device-names.js'
import { pluginRpc } from '../../rpc/contracts.js'
import type { L2Network, L2State } from '../../rpc/payloads.js'
import { startAgentLoop, type AgentLoop } from '../agent-loop.js'
import { loadOwnedObjects, type OwnedObjects } from '../owned-objects.js'
import { filterChains, spoofChains, tableNames } from './security-rules.js'

/** What the L2 agent is given. */
export interface L2AgentOptions {
  bus: Bus
  host: string
  logger: Logger
  /** Local VXLAN endpoint; '' leaves VXLAN networks unbound on this host. */
  tunnelIp: string
  /** Physical network -> host interface for flat networks. */
  interfaceMappings: Readonly<Record<string, string>>
  resyncSeconds?: number
  /** Where the agent keeps the names of the devices it made. */
  stateDir: string
  /**
   * How often the agent looks for taps plugged or removed besides watching link events
   * (`ip monitor link`), in case an event is missed; default 2000 ms.
   */
  pollMs?: number
}

/** A running L2 agent. */
export interface L2Agent {
  readonly loop: AgentLoop
  /** Stops the agent; `cleanup` also removes its security group tables. */
  stop(options?: { cleanup?: boolean }): Promise<void>
}

const ZERO_MAC = '00:00:00:00:00:00'
const VXLAN_PORT = 4789

/** What a pass is given besides the agent's options. */
interface PassContext extends L2AgentOptions {
  owned: OwnedObjects
  /** Whether this pass checks what earlier passes of this process applied. */
  full: boolean
  /** The FDB entries each VXLAN device was last given by this process, as JSON. */
  fdbApplied: Map<string, string>
}

/** The network's bridge and uplink; resolves the devices it keeps and whether it changed any. */
async function buildNetwork(
  network: L2Network,
  options: PassContext,
  links: readonly LinkInfo[],
): Promise<{ kept: string[]; changed: boolean }> {
  const bridge = bridgeName(network.id)
  const kept = [bridge]
  let changed = false
  await options.owned.add(bridge)
  const bridgeLink = links.find((l) => l.name === bridge)
  if (!bridgeLink?.up) {
    if (!bridgeLink) await ensureBridge(bridge)
    await setLink(bridge, { up: true })
    changed = true
  }
  if (network.networkType === 'vxlan' && network.segmentationId !== null && options.tunnelIp) {
    const vxlan = vxlanName(network.segmentationId)
    kept.push(vxlan)
    await options.owned.add(vxlan)
    const link = links.find((l) => l.name === vxlan)
    const current =
      link?.vni === network.segmentationId &&
      link.vxlan?.local === options.tunnelIp &&
      link.vxlan.port === VXLAN_PORT
    // made again when this host's VTEP address changed since it was made
    const created =
      !current &&
      (await ensureVxlan({
        name: vxlan,
        vni: network.segmentationId,
        local: options.tunnelIp,
        port: VXLAN_PORT,
      }))
    if (created || !link || link.master !== bridge || !link.up || link.mtu !== network.mtu) {
      await setLink(vxlan, { master: bridge, mtu: network.mtu, up: true })
      changed = true
    }
    // l2population: flood and unknown unicast go to every other host with ports here
    const entries = network.peers.map((dst) => ({ mac: ZERO_MAC, dst }))
    const wanted = JSON.stringify(entries)
    if (created || options.full || options.fdbApplied.get(vxlan) !== wanted) {
      options.fdbApplied.delete(vxlan)
      await syncFdb(vxlan, entries)
      options.fdbApplied.set(vxlan, wanted)
    }
  } else if (network.networkType === 'flat' && network.physicalNetwork) {
    const device = options.interfaceMappings[network.physicalNetwork]
    const link = device ? links.find((l) => l.name === device) : undefined
    if (device && link && link.master !== bridge) {
      await setLink(device, { master: bridge, up: true })
      changed = true
    }
  }
  return { kept, changed }
}

/** One reconciliation pass: bridges and uplinks, taps, status, cleanup. */
async function reconcile(
  state: L2State,
  options: PassContext,
): Promise<{ up: string[]; down: string[]; links: LinkInfo[] }> {
  let links = await listLinks()
  const wanted = new Set<string>()
  const mtuOf = new Map<string, number>()
  let changed = false
  for (const network of state.networks) {
    const built = await buildNetwork(network, options, links)
    for (const name of built.kept) wanted.add(name)
    changed ||= built.changed
    mtuOf.set(network.id, network.mtu)
  }
  if (changed) links = await listLinks()
  const up: string[] = []
  const down: string[] = []
  for (const port of state.ports) {
    const tap = links.find((l) => l.name === tapName(port.id))
    if (!tap) {
      down.push(port.id)
      continue
    }
    const bridge = bridgeName(port.networkId)
    const mtu = mtuOf.get(port.networkId) ?? tap.mtu
    if (tap.master !== bridge || tap.up !== port.adminStateUp || tap.mtu !== mtu) {
      await setLink(tap.name, { master: bridge, mtu, up: port.adminStateUp })
    }
    up.push(port.id)
  }
  for (const name of options.owned.list()) {
    if (wanted.has(name)) continue
    options.logger.info({ device: name }, 'removing a device no network needs here')
    await deleteLink(name)
    await options.owned.remove(name)
    options.fdbApplied.delete(name)
  }
  return { up, down, links }
}

/** The taps and their bridges, to tell whether a listing shows a change. */
function tapsOf(links: readonly LinkInfo[]): string {
  return links
    .filter((l) => l.name.startsWith('tap'))
    .map((l) => `${l.name}:${l.master ?? ''}`)
    .sort()
    .join(',')
}

/** Starts the L2 agent of this host. */
export async function startL2Agent(options: L2AgentOptions): Promise<L2Agent> {
  const plugin = createRpcClient(options.bus, pluginRpc)
  const owned = await loadOwnedObjects(join(options.stateDir, 'devices.json'))
  const tables = tableNames(options.host)
  // the first pass replaces each table; later ones change only the chains that differ
  const spoof = new NftTableSync('bridge', tables.spoof)
  const filter = new NftTableSync('inet', tables.filter)
  // bridged IPv4 and IPv6 go through the inet hooks, where conntrack makes security groups stateful
  await exec(
    'sysctl',
    ['-q', '-w', 'net.bridge.bridge-nf-call-iptables=1', 'net.bridge.bridge-nf-call-ip6tables=1'],
    { timeoutMs: 10_000 },
  ).catch((error: unknown) =>
    options.logger.warn(
      { err: error },
      'br_netfilter is not available: security groups are not enforced on this host',
    ),
  )
  const fdbApplied = new Map<string, string>()
  let taps = ''
  // one listing at a time: the events of one change come in bursts of lines
  let checking: 'idle' | 'running' | 'again' = 'idle'
  const loop = await startAgentLoop({
    bus: options.bus,
    host: options.host,
    agentType: 'l2',
    binary: 'nimbus-l2-agent',
    // Neutron's linuxbridge agent's keys, as `openstack network agent show` prints them
    configurations: {
      tunneling_ip: options.tunnelIp,
      interface_mappings: options.interfaceMappings,
      bridge_mappings: {},
      tunnel_types: ['vxlan'],
      l2_population: true,
    },
    logger: options.logger,
    ...(options.resyncSeconds ? { resyncSeconds: options.resyncSeconds } : {}),
    async sync({ full }) {
      const state = (await plugin.l2State({ host: options.host })) as L2State
      const { up, down, links } = await reconcile(state, { ...options, owned, full, fdbApplied })
      taps = tapsOf(links)
      await NftTableSync.syncAll([
        [spoof, spoofChains(state)],
        [filter, filterChains(state)],
      ])
      // the whole picture each pass: a rebinding may have reset a status the server then repairs
      if (up.length > 0 || down.length > 0) {
        await plugin.updateDeviceStatus({ host: options.host, up, down })
      }
    },
  })
  // Taps appear and vanish without the server knowing: the agent watches link events, so a
  // new tap is bridged and reported at once (a pass lists the links itself), and also polls in
  // case an event was missed.
  const checkTaps = (): void => {
    if (checking !== 'idle') {
      checking = 'again'
      return
    }
    checking = 'running'
    listLinks()
      .then((links) => {
        const now = tapsOf(links)
        if (now !== taps) {
          taps = now
          loop.requestSync()
        }
      })
      .catch((error: unknown) => options.logger.warn({ err: error }, 'could not list links'))
      .finally(() => {
        const again = checking === 'again'
        checking = 'idle'
        if (again) checkTaps()
      })
  }
  const monitor = superviseProcess({
    program: 'ip',
    args: ['-o', 'monitor', 'link'],
    maxBackoffMs: 30_000,
    onOutput: (text) => {
      if (text.includes('tap')) loop.requestSync()
    },
    onUnexpectedExit: (exit) =>
      options.logger.warn(
        { command: exit.commandLine, code: exit.code, signal: exit.signal, output: exit.output },
        'the link event monitor ended; restarting it (taps are still found by polling)',
      ),
  })
  const poll = setInterval(checkTaps, options.pollMs ?? 2000)
  poll.unref()
  return {
    loop,
    async stop(stopOptions = {}) {
      clearInterval(poll)
      await monitor.stop()
      await loop.stop()
      if (stopOptions.cleanup) {
        await nftDeleteTable('inet', tables.filter)
        await nftDeleteTable('bridge', tables.spoof)
      }
    },
  }
}
