/** @module network/rpc/agent-registry: which agents are alive on which hosts, from their heartbeats, with what administrators set on them */
import type { AgentType } from './contracts.js'
import type { AgentReport } from './payloads.js'

/** What an administrator sets on an agent (`PUT /v2.0/agents/{id}`). */
export interface AgentAdminSettings {
  /** False: the agent gets no new networks or routers, and (L2) no new port bindings. */
  adminStateUp: boolean
  description: string | null
  /** When the agent first registered, ms since the epoch. */
  createdAt: number
}

/** One agent as the server last heard of it. */
export interface AgentRecord extends AgentReport, AgentAdminSettings {
  /** ms since the epoch */
  heartbeatAt: number
  startedAt: number
}

/** The server's view of its agents (kept in memory: agents report every few seconds). */
export interface AgentRegistry {
  /** Records a heartbeat; returns true the first time this agent is heard of. */
  report(report: AgentReport): boolean
  /** The agent of `type` on `host` when it reported within the down time. */
  alive(host: string, type: AgentType): AgentRecord | undefined
  /** Every agent of a type that is alive, sorted by host. */
  liveAgents(type: AgentType): AgentRecord[]
  all(): AgentRecord[]
  /** Sets an agent's administrative settings (also before it first reports, as at start). */
  configure(host: string, type: AgentType, settings: AgentAdminSettings): void
  /** Drops an agent's record and settings (it comes back with its next report). */
  forget(host: string, type: AgentType): void
}

/** A registry; agents silent for `downTimeMs` (Neutron's agent_down_time: 75 s) count as dead. */
export function createAgentRegistry(
  options: {
    now?: () => number
    downTimeMs?: number
  } = {},
): AgentRegistry {
  const now = options.now ?? Date.now
  const downTime = options.downTimeMs ?? 75_000
  const agents = new Map<string, AgentReport & { heartbeatAt: number; startedAt: number }>()
  const settings = new Map<string, AgentAdminSettings>()
  const isAlive = (a: AgentRecord) => now() - a.heartbeatAt <= downTime
  const keyOf = (type: AgentType, host: string) => `${type}/${host}`
  const record = (key: string): AgentRecord | undefined => {
    const agent = agents.get(key)
    if (!agent) return undefined
    const set = settings.get(key) ?? { adminStateUp: true, description: null, createdAt: 0 }
    return { ...agent, ...set, createdAt: set.createdAt || agent.startedAt }
  }
  return {
    report(report) {
      const key = keyOf(report.agentType, report.host)
      const at = now()
      const first = !agents.has(key)
      agents.set(key, { ...report, heartbeatAt: at, startedAt: agents.get(key)?.startedAt ?? at })
      return first
    },
    alive(host, type) {
      const agent = record(keyOf(type, host))
      return agent && isAlive(agent) ? agent : undefined
    },
    liveAgents(type) {
      return [...agents.keys()]
        .map((key) => record(key) as AgentRecord)
        .filter((a) => a.agentType === type && isAlive(a))
        .sort((a, b) => a.host.localeCompare(b.host))
    },
    all: () => [...agents.keys()].map((key) => record(key) as AgentRecord),
    configure(host, type, value) {
      settings.set(keyOf(type, host), { ...value })
    },
    forget(host, type) {
      agents.delete(keyOf(type, host))
      settings.delete(keyOf(type, host))
    },
  }
}
