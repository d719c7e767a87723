/** @module compute/scheduler/filters/retry-filter: hosts this build already failed on */
import type { HostFilter } from '../host-state.js'

export const retryFilter: HostFilter = {
  name: 'RetryFilter',
  reject(host, request) {
    return request.excludeHosts.includes(host.host) ? 'the build already failed there' : undefined
  },
}
