/** @module compute/scheduler/scheduler-service: picks a host for a server and claims its resources */
import type { PlacementClient } from '../../clients/placement-client.js'
import { serveRpc, type Bus, type Subscription } from '../../core/bus/index.js'
import type { Clock } from '../../core/clock/index.js'
import type { Logger } from '../../core/log/index.js'
import { getGroup } from '../db/actions-repo.js'
import { hostZones } from '../service/aggregates.js'
import { listServices } from '../db/catalog-repo.js'
import { listInstances, type Db } from '../db/instances-repo.js'
import { NoValidHostError } from '../errors.js'
import {
  DEFAULT_AVAILABILITY_ZONE,
  providerUuidFor,
  SERVICE_DOWN_SECONDS,
} from '../model/host-provider.js'
import { schedulerRpc } from '../rpc/contracts.js'
import type { SelectDestinationRequest, SelectedDestination } from '../rpc/payloads.js'
import { availabilityZoneFilter } from './filters/availability-zone-filter.js'
import { computeFilter } from './filters/compute-filter.js'
import { retryFilter } from './filters/retry-filter.js'
import { serverGroupAffinityFilter } from './filters/server-group-affinity-filter.js'
import { serverGroupAntiAffinityFilter } from './filters/server-group-anti-affinity-filter.js'
import type { HostState, HostWeigher, ScheduleRequest } from './host-state.js'
import { explainNoHost, selectHosts } from './select-hosts.js'
import { cpuWeigher } from './weighers/cpu-weigher.js'
import { diskWeigher } from './weighers/disk-weigher.js'
import { ramWeigher } from './weighers/ram-weigher.js'
import { serverGroupSoftWeigher } from './weighers/server-group-soft-weigher.js'

export interface SchedulerDeps {
  db: Db
  placement: PlacementClient
  clock: Clock
  logger: Logger
}

const WEIGHERS: readonly HostWeigher[] = [
  ramWeigher,
  cpuWeigher,
  diskWeigher,
  serverGroupSoftWeigher,
]

/** Chooses a host and claims the flavor's resources there for the instance. */
export async function selectDestination(
  deps: SchedulerDeps,
  r: SelectDestinationRequest,
): Promise<SelectedDestination> {
  const { flavor } = r.instance
  const resources = { VCPU: flavor.vcpus, MEMORY_MB: flavor.memoryMb, DISK_GB: flavor.rootGb }
  const wanted = Object.fromEntries(Object.entries(resources).filter(([, n]) => n > 0))
  const candidates = await deps.placement.candidates(wanted)
  const services = (await listServices(deps.db)).filter((s) => s.binary === 'nova-compute')
  const group = r.groupId ? await getGroup(deps.db, r.groupId) : undefined
  const members = group
    ? (await listInstances(deps.db, { uuids: group.members, deleted: false })).filter(
        (i) => i.uuid !== r.instance.uuid,
      )
    : []
  const zones = await hostZones(deps.db)
  const nowMs = deps.clock.now()
  const hosts: HostState[] = []
  for (const c of candidates) {
    const service = services.find((s) => providerUuidFor(s.host) === c.providerUuid)
    if (!service) continue
    if (r.allowHosts && !r.allowHosts.includes(service.host)) continue
    const free = (rc: string) => (c.resources[rc]?.capacity ?? 0) - (c.resources[rc]?.used ?? 0)
    hosts.push({
      host: service.host,
      providerUuid: c.providerUuid,
      availabilityZone: zones.get(service.host) ?? DEFAULT_AVAILABILITY_ZONE,
      enabled: Number(service.disabled) === 0,
      up:
        Number(service.forced_down) === 0 &&
        nowMs - Date.parse(service.last_seen_at) < SERVICE_DOWN_SECONDS * 1000,
      disabledReason: service.disabled_reason,
      freeRamMb: free('MEMORY_MB'),
      freeVcpus: free('VCPU'),
      freeDiskGb: free('DISK_GB'),
      groupMembersHere: members.filter((m) => m.host === service.host).length,
    })
  }
  const request: ScheduleRequest = {
    instanceUuid: r.instance.uuid,
    vcpus: flavor.vcpus,
    memoryMb: flavor.memoryMb,
    rootGb: flavor.rootGb,
    availabilityZone: r.instance.availabilityZone,
    groupPolicy: group?.policy ?? null,
    excludeHosts: r.excludeHosts,
  }
  const filters = [
    retryFilter,
    computeFilter,
    availabilityZoneFilter,
    serverGroupAntiAffinityFilter,
    serverGroupAffinityFilter(members.map((m) => m.host).filter((h): h is string => h !== null)),
  ]
  const selection = selectHosts(hosts, request, filters, WEIGHERS)
  for (const chosen of selection.ranked) {
    try {
      await deps.placement.claim(
        r.instance.uuid,
        { [chosen.providerUuid]: wanted },
        { projectId: r.instance.projectId, userId: r.instance.userId },
      )
      return { host: chosen.host, node: chosen.host, providerUuid: chosen.providerUuid }
    } catch (error) {
      deps.logger.info({ err: error, host: chosen.host }, 'claim failed; trying the next host')
    }
  }
  throw new NoValidHostError(explainNoHost(candidates.length, selection))
}

/** Serves the scheduler's RPC API. */
export function serveScheduler(bus: Bus, deps: SchedulerDeps): Promise<Subscription> {
  return serveRpc(bus, schedulerRpc, {
    selectDestination: (args) => selectDestination(deps, args as SelectDestinationRequest),
  })
}
