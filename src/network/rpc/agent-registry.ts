/** @module network/rpc/agent-registry: which agents are alive on which hosts, from their heartbeats */
import type { AgentType } from './contracts.js'
import type { AgentReport } from './payloads.js'

/** One agent as the server last heard of it. */
export interface AgentRecord extends AgentReport {
  /** ms since the epoch */
  heartbeatAt: number
  startedAt: number
}

/** The server's view of its agents (kept in memory: agents report every few seconds). */
export interface AgentRegistry {
  report(report: AgentReport): void
  /** The agent of `type` on `host` when it reported within the down time. */
  alive(host: string, type: AgentType): AgentRecord | undefined
  /** Every agent of a type that is alive, sorted by host. */
  liveAgents(type: AgentType): AgentRecord[]
  all(): AgentRecord[]
  /** Drops an agent's record (it comes back with its next report). */
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
  const agents = new Map<string, AgentRecord>()
  const isAlive = (a: AgentRecord) => now() - a.heartbeatAt <= downTime
  return {
    report(report) {
      const key = `${report.agentType}/${report.host}`
      const at = now()
      agents.set(key, { ...report, heartbeatAt: at, startedAt: agents.get(key)?.startedAt ?? at })
    },
    alive(host, type) {
      const agent = agents.get(`${type}/${host}`)
      return agent && isAlive(agent) ? agent : undefined
    },
    liveAgents(type) {
      return [...agents.values()]
        .filter((a) => a.agentType === type && isAlive(a))
        .sort((a, b) => a.host.localeCompare(b.host))
    },
    all: () => [...agents.values()],
    forget(host, type) {
      agents.delete(`${type}/${host}`)
    },
  }
}
