/** @module compute/scheduler/filters/availability-zone-filter: hosts in the requested zone */
import type { HostFilter } from '../host-state.js'

export const availabilityZoneFilter: HostFilter = {
  name: 'AvailabilityZoneFilter',
  reject(host, request) {
    if (!request.availabilityZone || request.availabilityZone === host.availabilityZone) return
    return `in zone ${host.availabilityZone}, not ${request.availabilityZone}`
  },
}
