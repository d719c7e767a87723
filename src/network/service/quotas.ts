/** @module network/service/quotas: per-project limits and their checks */
import { QUOTA_RESOURCES, type QuotaResource } from '../config.js'
import { countNetworks } from '../db/networks-repo.js'
import { clearQuotas, projectsWithQuotas, quotasOf, setQuota } from '../db/policies-repo.js'
import { countPorts } from '../db/ports-repo.js'
import { countGroups, countRules } from '../db/security-groups-repo.js'
import { countSubnets } from '../db/subnets-repo.js'
import { listFloatingIps, listRouters } from '../db/routers-repo.js'
import { OverQuotaError } from '../errors.js'
import type { NetworkContext, Tx } from './context.js'

/** Limits of a project: its explicit ones over the configured defaults. */
export async function quotaLimits(
  ctx: NetworkContext,
  projectId: string,
  db: Tx = ctx.db,
): Promise<Record<QuotaResource, number>> {
  const explicit = await quotasOf(db, projectId)
  const out = { ...ctx.config.quotas }
  for (const r of QUOTA_RESOURCES) {
    const v = explicit.get(r)
    if (v !== undefined) out[r] = v
  }
  return out
}

async function used(db: Tx, projectId: string, resource: QuotaResource): Promise<number> {
  switch (resource) {
    case 'network':
      return countNetworks(db, projectId)
    case 'subnet':
      return countSubnets(db, projectId)
    case 'port':
      return countPorts(db, projectId)
    case 'router':
      return (await listRouters(db, { projectId })).length
    case 'floatingip':
      return (await listFloatingIps(db, { projectId })).length
    case 'security_group':
      return countGroups(db, projectId)
    case 'security_group_rule':
      return countRules(db, projectId)
    default:
      return 0
  }
}

/** Usage of every resource, for `/quotas/{id}/details`. */
export async function quotaUsage(
  ctx: NetworkContext,
  projectId: string,
): Promise<Record<QuotaResource, { limit: number; used: number; reserved: number }>> {
  const limits = await quotaLimits(ctx, projectId)
  const out = {} as Record<QuotaResource, { limit: number; used: number; reserved: number }>
  for (const r of QUOTA_RESOURCES) {
    out[r] = { limit: limits[r], used: await used(ctx.db, projectId, r), reserved: 0 }
  }
  return out
}

/** Throws OverQuota when `adding` more of a resource would pass the project's limit. */
export async function checkQuota(
  ctx: NetworkContext,
  db: Tx,
  projectId: string,
  resource: QuotaResource,
  adding = 1,
): Promise<void> {
  const limit = (await quotaLimits(ctx, projectId, db))[resource]
  if (limit < 0) return
  if ((await used(db, projectId, resource)) + adding > limit) throw new OverQuotaError(resource)
}

export async function updateQuotas(
  ctx: NetworkContext,
  projectId: string,
  limits: Partial<Record<QuotaResource, number>>,
): Promise<Record<QuotaResource, number>> {
  await ctx.db.transaction().execute(async (tx) => {
    for (const [resource, limit] of Object.entries(limits)) {
      if (limit !== undefined) await setQuota(tx, projectId, resource, limit)
    }
  })
  return quotaLimits(ctx, projectId)
}

export async function resetQuotas(ctx: NetworkContext, projectId: string): Promise<void> {
  await clearQuotas(ctx.db, projectId)
}

export async function listQuotas(
  ctx: NetworkContext,
): Promise<{ projectId: string; limits: Record<QuotaResource, number> }[]> {
  const projects = await projectsWithQuotas(ctx.db)
  return Promise.all(
    projects.map(async (projectId) => ({ projectId, limits: await quotaLimits(ctx, projectId) })),
  )
}
