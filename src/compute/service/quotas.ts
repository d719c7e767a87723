/** @module compute/service/quotas: limits per project, counted from the database */
import { listInstances } from '../db/instances-repo.js'
import { listGroups } from '../db/actions-repo.js'
import { clearQuotas, listKeypairs, quotaOverrides, setQuota } from '../db/catalog-repo.js'
import { COMPUTE_QUOTAS, type ComputeQuota } from '../config.js'
import { QuotaExceededError } from '../errors.js'
import type { ComputeContext } from './context.js'

/** Limits of a project: configured defaults overridden per project by an admin. */
export async function projectLimits(
  ctx: ComputeContext,
  projectId: string,
): Promise<Record<ComputeQuota, number>> {
  const overrides = await quotaOverrides(ctx.db, projectId)
  const out = { ...ctx.config.quotas }
  for (const q of COMPUTE_QUOTAS) if (overrides[q] !== undefined) out[q] = overrides[q] as number
  return out
}

/** What a project uses now. */
export async function projectUsage(
  ctx: ComputeContext,
  projectId: string,
  userId: string,
): Promise<Record<ComputeQuota, number>> {
  const servers = await listInstances(ctx.db, { projectId, deleted: false })
  return {
    instances: servers.length,
    cores: servers.reduce((n, s) => n + s.flavor.vcpus, 0),
    ram: servers.reduce((n, s) => n + s.flavor.memoryMb, 0),
    key_pairs: (await listKeypairs(ctx.db, userId)).length,
    server_groups: (await listGroups(ctx.db, projectId)).length,
    server_group_members: 0,
    metadata_items: 0,
  }
}

/** Refuses `delta` more of each resource when it would pass the project's limit. */
export async function enforceQuota(
  ctx: ComputeContext,
  owner: { projectId: string; userId: string },
  delta: Partial<Record<ComputeQuota, number>>,
): Promise<void> {
  const limits = await projectLimits(ctx, owner.projectId)
  const used = await projectUsage(ctx, owner.projectId, owner.userId)
  const over = Object.entries(delta).filter(([q, n]) => {
    const limit = limits[q as ComputeQuota]
    return limit >= 0 && used[q as ComputeQuota] + (n ?? 0) > limit
  })
  if (over.length === 0) return
  const names = over.map(([q]) => q).join(', ')
  const detail = over
    .map(
      ([q, n]) =>
        `${q}: requested ${n}, used ${used[q as ComputeQuota]}, limit ${limits[q as ComputeQuota]}`,
    )
    .join('; ')
  throw new QuotaExceededError(`Quota exceeded for ${names}: ${detail}`)
}

export async function updateQuotas(
  ctx: ComputeContext,
  projectId: string,
  values: Partial<Record<ComputeQuota, number>>,
): Promise<void> {
  for (const [q, n] of Object.entries(values)) await setQuota(ctx.db, projectId, q, n as number)
}

/** Back to the configured defaults. */
export async function resetQuotas(ctx: ComputeContext, projectId: string): Promise<void> {
  await clearQuotas(ctx.db, projectId)
}
