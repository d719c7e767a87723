/** @module network/service/agents: the agents that report to this server, as `/v2.0/agents` shows and updates them */
import { createHash } from 'node:crypto'
import { deleteAgentSettings, listAgentSettings, saveAgentSettings } from '../db/agents-repo.js'
import { AgentNotFoundError, AgentInUseError } from '../errors.js'
import type { AgentRecord, AgentRegistry } from '../rpc/agent-registry.js'
import { isAgentType, type AgentType } from '../rpc/contracts.js'
import type { NetworkContext } from './context.js'

/** One agent in the domain's terms. */
export interface AgentInfo {
  id: string
  agentType: AgentType
  binary: string
  host: string
  alive: boolean
  adminStateUp: boolean
  description: string | null
  configurations: Record<string, unknown>
  /** ms since the epoch */
  createdAt: number
  startedAt: number
  heartbeatAt: number
}

/** What `PUT /v2.0/agents/{id}` may change. */
export interface AgentUpdate {
  adminStateUp?: boolean
  description?: string | null
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
    adminStateUp: record.adminStateUp,
    description: record.description,
    configurations: record.configurations,
    createdAt: record.createdAt,
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

/** Loads what administrators set on the agents into the registry (at the server's start). */
export async function loadAgentSettings(ctx: NetworkContext): Promise<void> {
  for (const row of await listAgentSettings(ctx.db)) {
    if (!isAgentType(row.agentType)) continue
    ctx.agents?.configure(row.host, row.agentType, {
      adminStateUp: row.adminStateUp,
      description: row.description,
      createdAt: Date.parse(row.createdAt) || 0,
    })
  }
}

/** Records an agent heard of for the first time, so its creation time outlives restarts. */
export async function registerAgent(
  ctx: NetworkContext,
  agentType: AgentType,
  host: string,
): Promise<void> {
  const known = (await listAgentSettings(ctx.db)).some(
    (row) => row.agentType === agentType && row.host === host,
  )
  if (known) return
  const createdAt = ctx.clock.now()
  await saveAgentSettings(ctx.db, {
    agentType,
    host,
    adminStateUp: true,
    description: null,
    createdAt: new Date(createdAt).toISOString(),
  })
  ctx.agents?.configure(host, agentType, { adminStateUp: true, description: null, createdAt })
}

/**
 * Changes an agent's administrative state or description. An agent set down keeps what it
 * serves, but gets no new networks or routers (DHCP, L3) and no new port bindings (L2).
 */
export async function updateAgent(
  ctx: NetworkContext,
  id: string,
  update: AgentUpdate,
): Promise<AgentInfo> {
  const agent = showAgent(ctx.agents, id)
  const settings = {
    adminStateUp: update.adminStateUp ?? agent.adminStateUp,
    description: update.description !== undefined ? update.description : agent.description,
    createdAt: agent.createdAt,
  }
  await saveAgentSettings(ctx.db, {
    agentType: agent.agentType,
    host: agent.host,
    ...settings,
    createdAt: new Date(agent.createdAt).toISOString(),
  })
  ctx.agents?.configure(agent.host, agent.agentType, settings)
  return showAgent(ctx.agents, id)
}

/**
 * Forgets an agent. A live agent is refused: it would report again within seconds, so its
 * removal would not last (stop it first, as Neutron operators do before deleting one).
 */
export async function deleteAgent(ctx: NetworkContext, id: string): Promise<void> {
  const agent = showAgent(ctx.agents, id)
  if (agent.alive) throw new AgentInUseError(id)
  await deleteAgentSettings(ctx.db, agent.agentType, agent.host)
  ctx.agents?.forget(agent.host, agent.agentType)
}
