/** @module compute/scheduler/weighers/cpu-weigher: prefer hosts with more free vCPUs (spread) */
import type { HostWeigher } from '../host-state.js'

export const cpuWeigher: HostWeigher = {
  name: 'CPUWeigher',
  multiplier: 1,
  weigh: (host) => host.freeVcpus,
}
