/** @module compute/service/usage: os-simple-tenant-usage, hours of each server within a period */
import { listInstances } from '../db/instances-repo.js'
import type { Instance } from '../model/instance.js'
import type { ComputeContext } from './context.js'

/** One server's share of a period. */
export interface ServerUsage {
  instance: Instance
  hours: number
  startedAt: string
  endedAt: string | null
}

export interface TenantUsage {
  projectId: string
  servers: ServerUsage[]
  totalHours: number
  vcpuHours: number
  memoryMbHours: number
  localGbHours: number
}

/** Usage per project of servers alive at some point in [start, end]. */
export async function tenantUsages(
  ctx: ComputeContext,
  period: { start: number; end: number; projectId?: string },
): Promise<TenantUsage[]> {
  const instances = await listInstances(ctx.db, {
    ...(period.projectId !== undefined ? { projectId: period.projectId } : {}),
  })
  const byProject = new Map<string, TenantUsage>()
  for (const instance of instances) {
    const from = Math.max(Date.parse(instance.launchedAt ?? instance.createdAt), period.start)
    const until = Math.min(
      instance.terminatedAt ? Date.parse(instance.terminatedAt) : ctx.clock.now(),
      period.end,
    )
    if (until < from) continue
    const hours = (until - from) / 3_600_000
    const entry = byProject.get(instance.projectId) ?? {
      projectId: instance.projectId,
      servers: [],
      totalHours: 0,
      vcpuHours: 0,
      memoryMbHours: 0,
      localGbHours: 0,
    }
    entry.servers.push({
      instance,
      hours,
      startedAt: instance.launchedAt ?? instance.createdAt,
      endedAt: instance.terminatedAt,
    })
    entry.totalHours += hours
    entry.vcpuHours += hours * instance.flavor.vcpus
    entry.memoryMbHours += hours * instance.flavor.memoryMb
    entry.localGbHours += hours * instance.flavor.rootGb
    byProject.set(instance.projectId, entry)
  }
  return [...byProject.values()]
}
