/** @module network/service/agents: the agents that report to this server, as `GET /v2.0/agents` shows them */
import { createHash } from 'node:crypto'
import { AgentNotFoundError, AgentInUseError } from '../errors.js'
import type { AgentRecord, AgentRegistry } from '../rpc/agent-registry.js'
import type { AgentType } from '../rpc/contracts.js'

/** One agent in the domain's terms. */
export interface AgentInfo {
  id: string
  agentType: AgentType
  binary: string
  host: string
  alive: boolean
  configurations: Record<string, unknown>
  /** ms since the epoch */
  startedAt: number
  heartbeatAt: number
}

/** A stable id per (type, host), so an agent keeps its id across restarts of either side. */
export function agentId(agentType: AgentType, host: string): string {
  const hex = createHash('sha1').update(`nimbus-agent/${agentType}/${host}`).digest('hex')
  // shaped as a name-based (version 5) UUID
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`
}

function info(record: AgentRecord, registry: AgentRegistry): AgentInfo {
  return {
    id: agentId(record.agentType, record.host),
    agentType: record.agentType,
    binary: record.binary,
    host: record.host,
    alive: registry.alive(record.host, record.agentType) !== undefined,
    configurations: record.configurations,
    startedAt: record.startedAt,
    heartbeatAt: record.heartbeatAt,
  }
}

/** Every agent that reported, alive or not, by host then type. */
export function listAgents(registry: AgentRegistry | undefined): AgentInfo[] {
  if (!registry) return []
  return registry
    .all()
    .map((record) => info(record, registry))
    .sort((a, b) => a.host.localeCompare(b.host) || a.agentType.localeCompare(b.agentType))
}

/** One agent by id. */
export function showAgent(registry: AgentRegistry | undefined, id: string): AgentInfo {
  const found = listAgents(registry).find((agent) => agent.id === id)
  if (!found) throw new AgentNotFoundError(id)
  return found
}

/**
 * Forgets an agent. A live agent is refused: it would report again within seconds, so its
 * removal would not last (stop it first, as Neutron operators do before deleting one).
 */
export function deleteAgent(registry: AgentRegistry | undefined, id: string): void {
  const agent = showAgent(registry, id)
  if (agent.alive) throw new AgentInUseError(id)
  registry?.forget(agent.host, agent.agentType)
}
