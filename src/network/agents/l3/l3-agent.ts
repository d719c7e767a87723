/** @module network/agents/l3/l3-agent: a qrouter namespace per router with qr-/qg- interfaces, routes and NAT, and the host's reach to external networks */
import { join } from 'node:path'
import { createRpcClient, type Bus } from '../../../core/bus/index.js'
import type { Logger } from '../../../core/log/index.js'
import {
  deleteLink,
  deleteRoute,
  ensureBridge,
  ensureVeth,
  getLink,
  listLinks,
  listRoutes,
  replaceRoute,
  setLink,
  syncAddresses,
} from '../../../core/sys/ip-link.js'
import { deleteNetns, ensureNetns, execInNetns } from '../../../core/sys/netns.js'
import { nftReplaceTable } from '../../../core/sys/nft.js'
import {
  bridgeName,
  routerGatewayName,
  routerInterfaceName,
  routerNamespace,
  tapName,
} from '../../rpc/device-names.js'
import { pluginRpc } from '../../rpc/contracts.js'
import type { L3Router, L3State, RouterPort } from '../../rpc/payloads.js'
import { startAgentLoop, type AgentLoop } from '../agent-loop.js'
import type { MetadataProxyOptions } from '../metadata/metadata-agent.js'
import { serveMetadataIn } from '../metadata/namespace-metadata.js'
import { createNamespaceProxies } from '../metadata/namespace-proxies.js'
import { loadOwnedObjects } from '../owned-objects.js'
import { createRouterAdvertiser } from './router-advertiser.js'
import { ROUTER_TABLE, routerNatTable } from './router-rules.js'

/** What the L3 agent is given. */
export interface L3AgentOptions {
  bus: Bus
  host: string
  logger: Logger
  resyncSeconds?: number
  /** Where the agent keeps the ids of the routers it built. */
  stateDir: string
  /** Serve 169.254.169.254 in each router namespace through this host's metadata agent. */
  metadataProxy?: MetadataProxyOptions
}

/** A running L3 agent. */
export interface L3Agent {
  readonly loop: AgentLoop
  /** The pid of a router's metadata proxy, if one runs. */
  metadataProxyPid(routerId: string): number | undefined
  /**
   * Stops the agent; `cleanup` also removes every router namespace it made, `abandon` leaves
   * its metadata proxies running (as a killed agent would).
   */
  stop(options?: { cleanup?: boolean; abandon?: boolean }): Promise<void>
}

async function plug(port: RouterPort, inner: string, ns: string, extraCidrs: string[] = []) {
  const tap = tapName(port.portId)
  if (!(await getLink(inner, { netns: ns }))) {
    await deleteLink(tap)
    await ensureVeth(tap, inner, { peerNetns: ns })
  }
  await setLink(inner, { mac: port.macAddress, up: true }, { netns: ns })
  await setLink(tap, { up: true })
  await syncAddresses(inner, [...port.cidrs, ...extraCidrs], { netns: ns })
}

async function buildRouter(router: L3Router): Promise<void> {
  const ns = routerNamespace(router.id)
  const where = { netns: ns }
  await ensureNetns(ns)
  // routes both families; interfaces made later take fixed IPv6 addresses without a DAD delay
  await execInNetns(
    ns,
    'sysctl',
    [
      '-q',
      '-w',
      'net.ipv4.ip_forward=1',
      'net.ipv6.conf.all.forwarding=1',
      'net.ipv6.conf.default.accept_dad=0',
    ],
    { timeoutMs: 10_000 },
  )
  const wanted = new Set<string>()
  for (const port of router.interfaces) {
    const inner = routerInterfaceName(port.portId)
    wanted.add(inner)
    await plug(port, inner, ns)
  }
  let gatewayDevice: string | undefined
  if (router.gateway) {
    gatewayDevice = routerGatewayName(router.gateway.portId)
    wanted.add(gatewayDevice)
    // floating IPs live on the gateway interface so the router answers ARP for them
    const fips = router.floatingIps.map((f) => `${f.floatingIpAddress}/32`)
    await plug(router.gateway, gatewayDevice, ns, fips)
  }
  for (const link of await listLinks(where)) {
    if (/^q[rg]-/.test(link.name) && !wanted.has(link.name)) await deleteLink(link.name, where)
  }
  const routes = await listRoutes(where)
  const wantedRoutes = router.routes.map((r) => ({ destination: r.destination, via: r.nexthop }))
  if (router.gateway?.nexthop && gatewayDevice) {
    wantedRoutes.push({ destination: 'default', via: router.gateway.nexthop })
  }
  for (const route of routes) {
    if (!route.via) continue
    if (!wantedRoutes.some((w) => w.destination === route.destination && w.via === route.via)) {
      await deleteRoute(route.destination, where)
    }
  }
  for (const route of wantedRoutes) {
    if (!routes.some((r) => r.destination === route.destination && r.via === route.via)) {
      await replaceRoute(route, where)
    }
  }
  await nftReplaceTable(
    ROUTER_TABLE.family,
    ROUTER_TABLE.name,
    routerNatTable(router, gatewayDevice),
    where,
  )
}

/** Starts the L3 agent of this host. */
export async function startL3Agent(options: L3AgentOptions): Promise<L3Agent> {
  const plugin = createRpcClient(options.bus, pluginRpc)
  const log = options.logger.child({ agent: 'l3' })
  const owned = await loadOwnedObjects(join(options.stateDir, 'routers.json'))
  const proxies = options.metadataProxy
    ? createNamespaceProxies({
        ...options.metadataProxy,
        stateDir: join(options.stateDir, 'metadata'),
        logger: options.logger,
      })
    : undefined
  const advertiser = createRouterAdvertiser({ stateDir: join(options.stateDir, 'ra'), logger: log })
  const removeRouter = async (routerId: string) => {
    log.info({ routerId }, 'removing a router namespace')
    await proxies?.remove(routerId)
    await advertiser.remove(routerId)
    await deleteNetns(routerNamespace(routerId))
    await owned.remove(routerId)
  }
  const ours = async () => owned.list()
  const loop = await startAgentLoop({
    bus: options.bus,
    host: options.host,
    agentType: 'l3',
    binary: 'nimbus-l3-agent',
    configurations: { agent_mode: 'legacy' },
    logger: options.logger,
    ...(options.resyncSeconds ? { resyncSeconds: options.resyncSeconds } : {}),
    async sync() {
      const state = (await plugin.l3State({ host: options.host })) as L3State
      // the host's own leg on each external network, as DevStack's br-ex carries 172.24.4.1
      for (const external of state.externalNetworks) {
        const bridge = bridgeName(external.id)
        await ensureBridge(bridge)
        await setLink(bridge, { up: true })
        await syncAddresses(bridge, external.cidrs)
      }
      const wanted = new Set(state.routers.map((r) => r.id))
      for (const router of state.routers) {
        try {
          await owned.add(router.id)
          await buildRouter(router)
          if (proxies) {
            const netns = routerNamespace(router.id)
            await serveMetadataIn({ netns, kind: 'router', resourceId: router.id }, proxies)
          }
          await advertiser.sync(router)
        } catch (error) {
          log.error({ err: error, routerId: router.id }, 'could not build the router')
        }
      }
      for (const id of await ours()) if (!wanted.has(id)) await removeRouter(id)
      for (const id of (await proxies?.known()) ?? [])
        if (!wanted.has(id)) await proxies?.remove(id)
    },
  })
  return {
    loop,
    metadataProxyPid: (routerId) => proxies?.processOf(routerId)?.pid,
    async stop(stopOptions = {}) {
      await loop.stop()
      if (stopOptions.cleanup) for (const id of await ours()) await removeRouter(id)
      await proxies?.stopAll({ abandon: stopOptions.abandon ?? false })
      await advertiser.stopAll()
    },
  }
}
