/** @module network/mech/linuxbridge-driver: binds ports to a per-network Linux bridge on hosts with a live L2 agent */
import type { Logger } from '../../core/log/index.js'
import type { AgentRegistry } from '../rpc/agent-registry.js'
import { bridgeName } from '../rpc/device-names.js'
import type { MechanismDriver, NetworkState, PortState } from './mechanism-driver.js'

/** What the linuxbridge driver needs from the server. */
export interface LinuxbridgeDeps {
  agents: AgentRegistry
  /** Sends a thin `changed` notification to the agents (never throws). */
  notify(kind: string, id: string): void
  logger: Logger
}

/** Why `host` cannot take a port on `network`, or undefined when it can. */
export function bindingRefusal(
  agents: AgentRegistry,
  host: string,
  network: NetworkState,
): string | undefined {
  const agent = agents.alive(host, 'l2')
  if (!agent) return `no live L2 agent on host ${host}`
  if (!agent.adminStateUp) return `the L2 agent on host ${host} is administratively down`
  if (network.networkType === 'vxlan' && !agent.configurations['tunneling_ip']) {
    return `the L2 agent on host ${host} has no VXLAN tunnel address`
  }
  if (!['flat', 'vxlan', 'local'].includes(network.networkType)) {
    return `network type ${network.networkType} is not supported by the linuxbridge data plane`
  }
  return undefined
}

/** The linuxbridge mechanism driver: `binding:vif_type` bridge, `vif_details.bridge_name`. */
export function createLinuxbridgeDriver(deps: LinuxbridgeDeps): MechanismDriver {
  const portChanged = (port: PortState | undefined) => {
    if (port) deps.notify('port', port.id)
  }
  return {
    name: 'linuxbridge',
    bindPort(port, network) {
      const refusal = bindingRefusal(deps.agents, port.hostId, network)
      if (refusal) {
        deps.logger.warn({ portId: port.id, host: port.hostId }, `binding failed: ${refusal}`)
        return undefined
      }
      return {
        vifType: 'bridge',
        vifDetails: { port_filter: false, connectivity: 'l2', bridge_name: bridgeName(network.id) },
        // ACTIVE once the L2 agent on the host finds the port's tap plugged
        status: 'DOWN',
      }
    },
    async networkPostcommit(change) {
      deps.notify('network', (change.current ?? change.original)?.id ?? '')
    },
    async subnetPostcommit(change) {
      deps.notify('subnet', (change.current ?? change.original)?.id ?? '')
    },
    async portPostcommit(change) {
      portChanged(change.current ?? change.original)
    },
    async routerPostcommit(routerId) {
      deps.notify('router', routerId)
    },
    async securityGroupPostcommit(groupId) {
      deps.notify('security_group', groupId)
    },
  }
}
