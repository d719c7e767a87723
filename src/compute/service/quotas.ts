/** @module compute/service/quotas: limits per project, counted from the database */
import { listInstances } from '../db/instances-repo.js'
import { listGroups } from '../db/actions-repo.js'
import {
  clearQuotas,
  listKeypairs,
  quotaClassLimits,
  quotaOverrides,
  setQuota,
  setQuotaClassLimit,
} from '../db/catalog-repo.js'
import { COMPUTE_QUOTAS, type ComputeQuota } from '../config.js'
import { QuotaExceededError } from '../errors.js'
import type { ComputeContext } from './context.js'

/** The quota class every project's defaults come from. */
export const DEFAULT_QUOTA_CLASS = 'default'

/**
 * A quota class's limits: the configured defaults overridden by the `default` class and then by
 * the class itself. Resources other than the compute ones (Nova's legacy keys) are kept as set.
 */
export async function quotaClass(
  ctx: ComputeContext,
  className: string,
): Promise<Record<string, number>> {
  const defaults = await quotaClassLimits(ctx.db, DEFAULT_QUOTA_CLASS)
  const own = className === DEFAULT_QUOTA_CLASS ? {} : await quotaClassLimits(ctx.db, className)
  return { ...ctx.config.quotas, ...defaults, ...own }
}

/** Sets limits of a quota class (`default`: the defaults of every project without its own). */
export async function updateQuotaClass(
  ctx: ComputeContext,
  className: string,
  values: Record<string, number>,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    for (const [resource, limit] of Object.entries(values)) {
      await setQuotaClassLimit(tx, className, resource, limit)
    }
  })
}

/** What a project without limits of its own gets: the `default` class over configuration. */
export async function defaultLimits(ctx: ComputeContext): Promise<Record<ComputeQuota, number>> {
  const defaults = await quotaClass(ctx, DEFAULT_QUOTA_CLASS)
  const out = { ...ctx.config.quotas }
  for (const q of COMPUTE_QUOTAS) out[q] = defaults[q] ?? out[q]
  return out
}

/** Limits of a project: the `default` quota class (over configuration) overridden per project. */
export async function projectLimits(
  ctx: ComputeContext,
  projectId: string,
): Promise<Record<ComputeQuota, number>> {
  const overrides = await quotaOverrides(ctx.db, projectId)
  const out = await defaultLimits(ctx)
  for (const q of COMPUTE_QUOTAS) out[q] = overrides[q] ?? out[q]
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
