/** @module block-storage/service/quotas: per-project limits, usage and the checks before a create */
import { deleteQuotas, getQuotas, setQuota } from '../db/records-repo.js'
import { listGroups } from '../db/groups-repo.js'
import { listSnapshots } from '../db/snapshots-repo.js'
import { listTypes } from '../db/types-repo.js'
import { listVolumes } from '../db/volumes-repo.js'
import { InvalidInputError, VolumeQuotaExceededError } from '../errors.js'
import type { BlockStorageContext } from './context.js'

/** The resources Cinder's quota sets list besides the per-type ones. */
export const QUOTA_RESOURCES = [
  'volumes',
  'snapshots',
  'gigabytes',
  'backups',
  'backup_gigabytes',
  'per_volume_gigabytes',
  'groups',
] as const

const PER_TYPE = ['volumes', 'snapshots', 'gigabytes'] as const

export interface QuotaUsage {
  limit: number
  inUse: number
  reserved: number
  allocated: number
}

function defaults(ctx: BlockStorageContext): Record<string, number> {
  return {
    volumes: ctx.config.quotaVolumes,
    snapshots: ctx.config.quotaSnapshots,
    gigabytes: ctx.config.quotaGigabytes,
    backups: 10,
    backup_gigabytes: 1000,
    per_volume_gigabytes: -1,
    groups: 10,
  }
}

/** Quota classes are kept beside the projects' limits under this prefix. */
const CLASS_PREFIX = 'quota-class:'

/** Default limits of every resource (per-type ones are unlimited unless set), with the `default` class's. */
export async function defaultQuotas(ctx: BlockStorageContext): Promise<Record<string, number>> {
  const out: Record<string, number> = { ...defaults(ctx) }
  for (const type of await listTypes(ctx.db)) {
    for (const r of PER_TYPE) out[`${r}_${type.name}`] = -1
  }
  return { ...out, ...(await getQuotas(ctx.db, `${CLASS_PREFIX}default`)) }
}

/** A quota class's limits (only `default` changes what projects get, as in Cinder). */
export async function classQuotas(
  ctx: BlockStorageContext,
  name: string,
): Promise<Record<string, number>> {
  return { ...(await defaultQuotas(ctx)), ...(await getQuotas(ctx.db, `${CLASS_PREFIX}${name}`)) }
}

export async function updateClassQuotas(
  ctx: BlockStorageContext,
  name: string,
  values: Record<string, unknown>,
): Promise<Record<string, number>> {
  const known = await defaultQuotas(ctx)
  for (const [key, value] of Object.entries(values)) {
    if (!(key in known)) throw new InvalidInputError(`Bad key(s) in quota class set: ${key}`)
    const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value
    if (typeof n !== 'number' || !Number.isInteger(n) || n < -1)
      throw new InvalidInputError(
        `Quota limit ${String(value)} for ${key} must be an integer of -1 or more.`,
      )
    await setQuota(ctx.db, `${CLASS_PREFIX}${name}`, key, n)
  }
  return classQuotas(ctx, name)
}

/** A project's limits: defaults overridden by what an admin set. */
export async function projectQuotas(
  ctx: BlockStorageContext,
  projectId: string,
): Promise<Record<string, number>> {
  return { ...(await defaultQuotas(ctx)), ...(await getQuotas(ctx.db, projectId)) }
}

/** What a project uses now, per resource. */
export async function projectUsage(
  ctx: BlockStorageContext,
  projectId: string,
): Promise<Record<string, number>> {
  const volumes = await listVolumes(ctx.db, projectId)
  const snapshots = await listSnapshots(ctx.db, { projectId })
  const types = await listTypes(ctx.db)
  const typeName = new Map(types.map((t) => [t.id, t.name]))
  const volumeType = new Map(volumes.map((v) => [v.id, v.volumeTypeId]))
  const usage: Record<string, number> = {
    volumes: volumes.length,
    snapshots: snapshots.length,
    gigabytes: volumes.reduce((s, v) => s + v.size, 0) + snapshots.reduce((s, x) => s + x.size, 0),
    backups: 0,
    backup_gigabytes: 0,
    per_volume_gigabytes: 0,
    groups: (await listGroups(ctx.db, { projectId })).length,
  }
  for (const t of types) for (const r of PER_TYPE) usage[`${r}_${t.name}`] = 0
  const add = (key: string, n: number) => (usage[key] = (usage[key] ?? 0) + n)
  for (const v of volumes) {
    const name = typeName.get(v.volumeTypeId)
    if (!name) continue
    add(`volumes_${name}`, 1)
    add(`gigabytes_${name}`, v.size)
  }
  for (const s of snapshots) {
    const name = typeName.get(volumeType.get(s.volumeId) ?? '')
    if (!name) continue
    add(`snapshots_${name}`, 1)
    add(`gigabytes_${name}`, s.size)
  }
  return usage
}

export async function quotaUsage(
  ctx: BlockStorageContext,
  projectId: string,
): Promise<Record<string, QuotaUsage>> {
  const limits = await projectQuotas(ctx, projectId)
  const used = await projectUsage(ctx, projectId)
  return Object.fromEntries(
    Object.entries(limits).map(([k, limit]) => [
      k,
      { limit, inUse: used[k] ?? 0, reserved: 0, allocated: 0 },
    ]),
  )
}

export async function updateQuotas(
  ctx: BlockStorageContext,
  projectId: string,
  values: Record<string, unknown>,
): Promise<Record<string, number>> {
  const known = await defaultQuotas(ctx)
  const used = await projectUsage(ctx, projectId)
  const parsed: Record<string, number> = {}
  for (const [key, value] of Object.entries(values)) {
    if (!(key in known)) throw new InvalidInputError(`Bad key(s) in quota set: ${key}`)
    const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value
    if (typeof n !== 'number' || !Number.isInteger(n) || n < -1)
      throw new InvalidInputError(
        `Quota limit ${String(value)} for ${key} must be an integer of -1 or more.`,
      )
    if (n !== -1 && key !== 'per_volume_gigabytes' && n < (used[key] ?? 0))
      throw new InvalidInputError(
        `Quota limit must be greater than or equal to the current usage: ${key} uses ${used[key] ?? 0}.`,
      )
    parsed[key] = n
  }
  for (const [key, n] of Object.entries(parsed)) await setQuota(ctx.db, projectId, key, n)
  return projectQuotas(ctx, projectId)
}

export async function resetQuotas(ctx: BlockStorageContext, projectId: string): Promise<void> {
  await deleteQuotas(ctx.db, projectId)
}

/** Refuses (413) a change that would take the project over a limit. */
export async function checkQuota(
  ctx: BlockStorageContext,
  projectId: string,
  delta: {
    volumes?: number
    snapshots?: number
    gigabytes?: number
    groups?: number
    typeName?: string
  },
): Promise<void> {
  const limits = await projectQuotas(ctx, projectId)
  const used = await projectUsage(ctx, projectId)
  const perVolume = limits['per_volume_gigabytes'] ?? -1
  if (delta.volumes && delta.gigabytes && perVolume >= 0 && delta.gigabytes > perVolume)
    throw new VolumeQuotaExceededError(
      `VolumeSizeExceedsLimit: Requested volume size ${delta.gigabytes}G is larger than maximum allowed limit ${perVolume}G.`,
    )
  const over = (key: string, n: number | undefined) => {
    if (!n) return false
    const limit = limits[key] ?? -1
    return limit >= 0 && (used[key] ?? 0) + n > limit
  }
  if (over('groups', delta.groups))
    throw new VolumeQuotaExceededError(
      `GroupLimitExceeded: Maximum number of groups allowed (${limits['groups']}) exceeded.`,
    )
  const suffix = delta.typeName ? [`_${delta.typeName}`, ''] : ['']
  for (const s of suffix) {
    if (over(`gigabytes${s}`, delta.gigabytes))
      throw new VolumeQuotaExceededError(
        `VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes${s} quota. Requested ${delta.gigabytes}G, quota is ${limits[`gigabytes${s}`]}G and ${used[`gigabytes${s}`] ?? 0}G has been consumed.`,
      )
    if (over(`volumes${s}`, delta.volumes))
      throw new VolumeQuotaExceededError(
        `VolumeLimitExceeded: Maximum number of volumes allowed (${limits[`volumes${s}`]}) exceeded for quota 'volumes${s}'.`,
      )
    if (over(`snapshots${s}`, delta.snapshots))
      throw new VolumeQuotaExceededError(
        `SnapshotLimitExceeded: Maximum number of snapshots allowed (${limits[`snapshots${s}`]}) exceeded for quota 'snapshots${s}'.`,
      )
  }
}
