/** @module compute/scheduler/weighers/server-group-soft-weigher: soft (anti-)affinity */
import type { HostWeigher } from '../host-state.js'

/** More group members here is better for soft-affinity, worse for soft-anti-affinity. */
export const serverGroupSoftWeigher: HostWeigher = {
  name: 'ServerGroupSoftAffinityWeigher',
  multiplier: 10,
  weigh(host, request) {
    if (request.groupPolicy === 'soft-affinity') return host.groupMembersHere
    if (request.groupPolicy === 'soft-anti-affinity') return -host.groupMembersHere
    return 0
  },
}
