/** @module compute/scheduler/filters/server-group-anti-affinity-filter: one group member per host */
import type { HostFilter } from '../host-state.js'

export const serverGroupAntiAffinityFilter: HostFilter = {
  name: 'ServerGroupAntiAffinityFilter',
  reject(host, request) {
    if (request.groupPolicy !== 'anti-affinity' || host.groupMembersHere === 0) return
    return `${host.groupMembersHere} member(s) of the anti-affinity group already there`
  },
}
