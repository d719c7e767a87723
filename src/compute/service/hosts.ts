/** @module compute/service/hosts: os-hosts, the hosts of the compute services and their usage */
import { updateService } from '../db/catalog-repo.js'
import { listInstances } from '../db/instances-repo.js'
import { ComputeHostNotFoundError } from '../errors.js'
import { DEFAULT_AVAILABILITY_ZONE } from '../model/host-provider.js'
import { hostZones } from './aggregates.js'
import { now, type ComputeContext } from './context.js'
import { computeServices, hypervisors } from './server-info.js'

/** One service's host as os-hosts lists it. */
export interface HostEntry {
  hostName: string
  /** The service's topic: `compute`, `conductor`, `scheduler`, ... */
  service: string
  zone: string
}

/** What a compute host's flavors add up to, for one project or a total. */
export interface HostResource {
  host: string
  project: string
  cpu: number
  memoryMb: number
  diskGb: number
}

/** Every service's host, with the zone of compute hosts (`internal` for the others). */
export async function listHosts(ctx: ComputeContext, zone?: string): Promise<HostEntry[]> {
  const zones = await hostZones(ctx.db)
  const entries = (await computeServices(ctx)).map((s) => ({
    hostName: s.host,
    service: s.binary.replace(/^nova-/, ''),
    zone:
      s.binary === 'nova-compute' ? (zones.get(s.host) ?? DEFAULT_AVAILABILITY_ZONE) : 'internal',
  }))
  return zone ? entries.filter((e) => e.zone === zone) : entries
}

async function computeHost(ctx: ComputeContext, host: string) {
  const found = (await hypervisors(ctx)).find((h) => h.host === host)
  if (!found) throw new ComputeHostNotFoundError(host)
  return found
}

/**
 * A compute host's resources: its totals, what its servers use now (twice, as `(used_now)` and
 * `(used_max)`; there is no overcommit bookkeeping beyond placement's), then per project.
 */
export async function showHost(ctx: ComputeContext, host: string): Promise<HostResource[]> {
  const h = await computeHost(ctx, host)
  const entry = (project: string, cpu: number, memoryMb: number, diskGb: number) => ({
    host,
    project,
    cpu,
    memoryMb,
    diskGb,
  })
  const servers = await listInstances(ctx.db, { host, deleted: false })
  const byProject = new Map<string, HostResource>()
  for (const i of servers) {
    const r = byProject.get(i.projectId) ?? entry(i.projectId, 0, 0, 0)
    r.cpu += i.flavor.vcpus
    r.memoryMb += i.flavor.memoryMb
    r.diskGb += i.flavor.rootGb + i.flavor.ephemeralGb
    byProject.set(i.projectId, r)
  }
  const used = [...byProject.values()].reduce(
    (sum, r) => ({ cpu: sum.cpu + r.cpu, mem: sum.mem + r.memoryMb, disk: sum.disk + r.diskGb }),
    { cpu: 0, mem: 0, disk: 0 },
  )
  return [
    entry('(total)', h.totals['VCPU'] ?? 0, h.totals['MEMORY_MB'] ?? 0, h.totals['DISK_GB'] ?? 0),
    entry('(used_now)', used.cpu, used.mem, used.disk),
    entry('(used_max)', used.cpu, used.mem, used.disk),
    ...byProject.values(),
  ]
}

/** Enables or disables a compute host's service (os-hosts `status`). */
export async function setHostEnabled(
  ctx: ComputeContext,
  host: string,
  enabled: boolean,
): Promise<void> {
  const h = await computeHost(ctx, host)
  await updateService(ctx.db, h.service.id, {
    disabled: !enabled,
    disabledReason: null,
    at: now(ctx),
  })
}

/** Fails with 404 unless `host` runs a compute service. */
export async function assertComputeHost(ctx: ComputeContext, host: string): Promise<void> {
  await computeHost(ctx, host)
}
