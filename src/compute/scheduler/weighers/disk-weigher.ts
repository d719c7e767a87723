/** @module compute/scheduler/weighers/disk-weigher: prefer hosts with more free disk (spread) */
import type { HostWeigher } from '../host-state.js'

export const diskWeigher: HostWeigher = {
  name: 'DiskWeigher',
  multiplier: 1,
  weigh: (host) => host.freeDiskGb,
}
