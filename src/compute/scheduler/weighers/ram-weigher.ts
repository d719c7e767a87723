/** @module compute/scheduler/weighers/ram-weigher: prefer hosts with more free memory (spread) */
import type { HostWeigher } from '../host-state.js'

export const ramWeigher: HostWeigher = {
  name: 'RAMWeigher',
  multiplier: 1,
  weigh: (host) => host.freeRamMb,
}
