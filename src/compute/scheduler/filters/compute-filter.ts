/** @module compute/scheduler/filters/compute-filter: only enabled hosts whose agent is alive */
import type { HostFilter } from '../host-state.js'

export const computeFilter: HostFilter = {
  name: 'ComputeFilter',
  reject(host) {
    if (!host.enabled) return `compute service disabled (${host.disabledReason ?? 'no reason'})`
    if (!host.up) return 'compute service is down (no recent heartbeat)'
    return undefined
  },
}
