/** @module network/rpc/plugin-server: serves the agents' RPC API from the network server */
import { createRpcClient, serveRpc, type Bus, type Subscription } from '../../core/bus/index.js'
import type { NetworkContext } from '../service/context.js'
import { registerAgent } from '../service/agents.js'
import { metadataPortFor } from '../service/metadata-ports.js'
import { dhcpStateFor, l2StateFor, l3StateFor, setDeviceStatus } from '../service/agent-sync.js'
import type { AgentRegistry } from './agent-registry.js'
import { agentNotifyRpc, pluginRpc } from './contracts.js'
import { parseMetadataPortQuery } from './metadata-payloads.js'
import { parseAgentReport, parseDeviceStatus, parseHostRequest } from './payloads.js'

/** Sends thin `changed` notifications to every agent; failures are logged, never thrown. */
export function createAgentNotifier(
  bus: Bus,
  ctx: Pick<NetworkContext, 'logger'>,
): (kind: string, id: string) => void {
  const client = createRpcClient(bus, agentNotifyRpc)
  return (kind, id) => {
    client.changed({ kind, id }).catch((error: unknown) => {
      ctx.logger.warn({ err: error, kind, id }, 'could not notify the network agents')
    })
  }
}

/** Serves {@link pluginRpc}: heartbeats, the state each agent pulls and port status. */
export function servePluginRpc(
  bus: Bus,
  ctx: NetworkContext,
  agents: AgentRegistry,
  notify: (kind: string, id: string) => void,
): Promise<Subscription> {
  return serveRpc(bus, pluginRpc, {
    reportState: async (args) => {
      const report = parseAgentReport(args)
      const before = agents.alive(report.host, report.agentType)
      if (agents.report(report)) await registerAgent(ctx, report.agentType, report.host)
      // a new L2 agent, or one with another VTEP, changes binding and the other hosts' VTEP lists
      const moved = before?.configurations['tunneling_ip'] !== report.configurations['tunneling_ip']
      if (report.agentType === 'l2' && (!before || moved)) notify('agent', report.host)
      return null
    },
    l2State: async (args) => l2StateFor(ctx, agents, parseHostRequest(args).host),
    updateDeviceStatus: async (args) => {
      const changed = await setDeviceStatus(ctx, parseDeviceStatus(args))
      return { changed }
    },
    dhcpState: async (args) => dhcpStateFor(ctx, agents, parseHostRequest(args).host),
    l3State: async (args) => l3StateFor(ctx, agents, parseHostRequest(args).host),
    metadataPort: async (args) => ({
      port: await metadataPortFor(ctx, parseMetadataPortQuery(args)),
    }),
  })
}
