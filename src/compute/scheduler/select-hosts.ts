/** @module compute/scheduler/select-hosts: filter, then weigh, explaining every rejection */
import type { HostFilter, HostState, HostWeigher, ScheduleRequest } from './host-state.js'

/** The outcome: hosts best first, and why each removed host was removed. */
export interface Selection {
  ranked: HostState[]
  rejected: { host: string; filter: string; reason: string }[]
}

function normalized(values: number[]): number[] {
  const min = Math.min(...values)
  const max = Math.max(...values)
  return values.map((v) => (max === min ? 0 : (v - min) / (max - min)))
}

export function selectHosts(
  hosts: readonly HostState[],
  request: ScheduleRequest,
  filters: readonly HostFilter[],
  weighers: readonly HostWeigher[],
): Selection {
  const rejected: Selection['rejected'] = []
  let remaining = [...hosts]
  for (const filter of filters) {
    remaining = remaining.filter((host) => {
      const reason = filter.reject(host, request)
      if (reason !== undefined) rejected.push({ host: host.host, filter: filter.name, reason })
      return reason === undefined
    })
  }
  const scores = remaining.map(() => 0)
  for (const weigher of weighers) {
    const values = normalized(remaining.map((h) => weigher.weigh(h, request)))
    values.forEach((v, i) => (scores[i] = (scores[i] ?? 0) + v * weigher.multiplier))
  }
  const ranked = remaining
    .map((host, i) => ({ host, score: scores[i] ?? 0 }))
    .sort((a, b) => b.score - a.score || a.host.host.localeCompare(b.host.host))
    .map((e) => e.host)
  return { ranked, rejected }
}

/** Nova-style explanation of an empty selection. */
export function explainNoHost(candidates: number, selection: Selection): string {
  if (candidates === 0) return 'There are not enough hosts available: placement found none.'
  const lines = selection.rejected.map((r) => `${r.filter} removed ${r.host}: ${r.reason}`)
  return `There are not enough hosts available. ${lines.join('; ')}`
}
