/** @module compute/scheduler/select-hosts.test: filters remove hosts with reasons, weighers rank */
import { describe, expect, it } from 'vitest'
import { availabilityZoneFilter } from './filters/availability-zone-filter.js'
import { computeFilter } from './filters/compute-filter.js'
import { serverGroupAntiAffinityFilter } from './filters/server-group-anti-affinity-filter.js'
import type { HostState, ScheduleRequest } from './host-state.js'
import { explainNoHost, selectHosts } from './select-hosts.js'
import { ramWeigher } from './weighers/ram-weigher.js'

function host(name: string, over: Partial<HostState> = {}): HostState {
  return {
    host: name,
    providerUuid: `rp-${name}`,
    availabilityZone: 'nova',
    enabled: true,
    up: true,
    disabledReason: null,
    freeRamMb: 1000,
    freeVcpus: 4,
    freeDiskGb: 10,
    groupMembersHere: 0,
    ...over,
  }
}

const request: ScheduleRequest = {
  instanceUuid: 'i',
  vcpus: 1,
  memoryMb: 64,
  rootGb: 1,
  availabilityZone: null,
  groupPolicy: null,
  excludeHosts: [],
}

describe('selectHosts', () => {
  it('ranks the host with the most free memory first', () => {
    const s = selectHosts([host('a'), host('b', { freeRamMb: 5000 })], request, [], [ramWeigher])
    expect(s.ranked.map((h) => h.host)).toEqual(['b', 'a'])
  })

  it('says which filter removed which host and why', () => {
    const s = selectHosts(
      [
        host('a', { enabled: false, disabledReason: 'maintenance' }),
        host('b', { availabilityZone: 'z2' }),
      ],
      { ...request, availabilityZone: 'nova' },
      [computeFilter, availabilityZoneFilter],
      [],
    )
    expect(s.ranked).toEqual([])
    const text = explainNoHost(2, s)
    expect(text).toContain('ComputeFilter removed a: compute service disabled (maintenance)')
    expect(text).toContain('AvailabilityZoneFilter removed b: in zone z2, not nova')
  })

  it('keeps anti-affinity group members apart', () => {
    const s = selectHosts(
      [host('a', { groupMembersHere: 1 }), host('b')],
      { ...request, groupPolicy: 'anti-affinity' },
      [serverGroupAntiAffinityFilter],
      [],
    )
    expect(s.ranked.map((h) => h.host)).toEqual(['b'])
  })
})
