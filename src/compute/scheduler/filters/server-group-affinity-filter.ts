/** @module compute/scheduler/filters/server-group-affinity-filter: all group members on one host */
import type { HostFilter, HostState, ScheduleRequest } from '../host-state.js'

/** Built per request: affinity needs to know whether any member has a host yet. */
export function serverGroupAffinityFilter(memberHosts: readonly string[]): HostFilter {
  return {
    name: 'ServerGroupAffinityFilter',
    reject(host: HostState, request: ScheduleRequest) {
      if (request.groupPolicy !== 'affinity' || memberHosts.length === 0) return
      if (memberHosts.includes(host.host)) return
      return `the affinity group's members are on ${[...new Set(memberHosts)].join(', ')}`
    },
  }
}
