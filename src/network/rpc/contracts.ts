/** @module network/rpc/contracts: the RPC APIs between the network server and its agents */
import { defineRpc } from '../../core/bus/index.js'

/** The server side: agents report and pull the state they should build (they hold no database). */
export const pluginRpc = defineRpc({
  topic: 'network-plugin',
  version: '1.1',
  methods: {
    /** An agent is alive (heartbeat) with its configuration. */
    reportState: { kind: 'cast', since: '1.0' },
    /** The networks and ports an L2 agent's host should have, with the other hosts' VTEPs. */
    l2State: { kind: 'call', since: '1.0' },
    /** An L2 agent found ports plugged (up) or gone (down). */
    updateDeviceStatus: { kind: 'call', since: '1.0' },
    /** The networks a DHCP agent serves, with subnets and hosts; creates the DHCP ports. */
    dhcpState: { kind: 'call', since: '1.0' },
    /** The routers an L3 agent hosts, with interfaces, gateway, routes and floating IPs. */
    l3State: { kind: 'call', since: '1.0' },
    /** The port a guest's metadata request came from (router or network, and its address). */
    metadataPort: { kind: 'call', since: '1.1' },
  },
})

/** The agents: thin notifications that something changed; each agent pulls its state again. */
export const agentNotifyRpc = defineRpc({
  topic: 'network-agent',
  version: '1.0',
  methods: {
    /** Something an agent builds changed (`kinds`: network, port, subnet, router, floatingip). */
    changed: { kind: 'fanout', since: '1.0' },
  },
})

/** The kinds of agent. */
export const AGENT_TYPES = ['l2', 'dhcp', 'l3', 'metadata'] as const
export type AgentType = (typeof AGENT_TYPES)[number]

/** Guards a string as an {@link AgentType}. */
export function isAgentType(value: unknown): value is AgentType {
  return typeof value === 'string' && (AGENT_TYPES as readonly string[]).includes(value)
}
