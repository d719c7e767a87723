/** @module network/service/subnet-pools: subnet pools that subnets draw prefixes from */
import { ForbiddenError } from '../../core/errors/index.js'
import {
  deleteSubnetPool,
  getSubnetPool,
  insertSubnetPool,
  listSubnetPools,
  updateSubnetPool,
  type SubnetPool,
} from '../db/policies-repo.js'
import { dropTags, setTags } from '../db/standard-attrs.js'
import { listSubnets } from '../db/subnets-repo.js'
import { InvalidInputError, SubnetPoolInUseError, SubnetPoolNotFoundError } from '../errors.js'
import { formatCidr, parseCidr } from '../ipam/ip-address.js'
import { now, type Caller, type NetworkContext } from './context.js'
import { assertWritten, bumped, checkRevision } from './revisions.js'

export interface SubnetPoolInput {
  projectId?: string
  name?: string
  description?: string
  prefixes: string[]
  defaultPrefixlen?: number
  minPrefixlen?: number
  maxPrefixlen?: number
  shared?: boolean
  isDefault?: boolean
  defaultQuota?: number | null
  addressScopeId?: string | null
  tags?: string[]
}

function normalizePrefixes(prefixes: readonly string[]): {
  version: 4 | 6
  prefixes: string[]
  longest: number
} {
  const cidrs = prefixes.map((p) => {
    const c = parseCidr(p)
    if (!c) throw new InvalidInputError(`'${p}' is not a valid IP subnet`)
    return c
  })
  const version = cidrs[0]?.version
  if (!version || cidrs.some((c) => c.version !== version)) {
    throw new InvalidInputError('Prefixes of a subnet pool must all be of one IP version')
  }
  return {
    version,
    prefixes: cidrs.map(formatCidr),
    longest: Math.max(...cidrs.map((c) => c.prefixLength)),
  }
}

export async function createSubnetPool(
  ctx: NetworkContext,
  caller: Caller,
  input: SubnetPoolInput,
): Promise<SubnetPool> {
  const { version, prefixes, longest } = normalizePrefixes(input.prefixes)
  const bits = version === 4 ? 32 : 128
  const minPrefixlen =
    input.minPrefixlen ??
    (input.defaultPrefixlen !== undefined ? Math.min(longest, input.defaultPrefixlen) : longest)
  const maxPrefixlen = input.maxPrefixlen ?? bits
  const defaultPrefixlen = input.defaultPrefixlen ?? minPrefixlen
  if (!(
    minPrefixlen <= defaultPrefixlen &&
    defaultPrefixlen <= maxPrefixlen &&
    maxPrefixlen <= bits
  )) {
    throw new InvalidInputError(
      'Illegal prefix bounds: min_prefixlen <= default_prefixlen <= max_prefixlen is required',
    )
  }
  const at = now(ctx)
  const pool: SubnetPool = {
    id: ctx.ids.uuid(),
    projectId: input.projectId ?? caller.projectId,
    name: input.name ?? '',
    description: input.description ?? '',
    revisionNumber: 0,
    createdAt: at,
    updatedAt: at,
    tags: input.tags ?? [],
    ipVersion: version,
    prefixes,
    defaultPrefixlen,
    minPrefixlen,
    maxPrefixlen,
    shared: input.shared ?? false,
    isDefault: input.isDefault ?? false,
    defaultQuota: input.defaultQuota ?? null,
    addressScopeId: input.addressScopeId ?? null,
  }
  await ctx.db.transaction().execute(async (tx) => {
    await insertSubnetPool(tx, pool)
    await setTags(tx, pool.id, pool.tags)
  })
  return pool
}

export async function listPools(ctx: NetworkContext, caller: Caller): Promise<SubnetPool[]> {
  return listSubnetPools(ctx.db, caller.isAdmin ? {} : { visibleTo: caller.projectId })
}

export async function getPool(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
): Promise<SubnetPool> {
  const pool = await getSubnetPool(ctx.db, id)
  if (!pool || (!caller.isAdmin && !pool.shared && pool.projectId !== caller.projectId)) {
    throw new SubnetPoolNotFoundError(id)
  }
  return pool
}

export async function updatePool(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
  update: Partial<Omit<SubnetPoolInput, 'projectId' | 'tags'>>,
  ifMatch?: number,
): Promise<SubnetPool> {
  const pool = await getPool(ctx, caller, id)
  if (!caller.isAdmin && pool.projectId !== caller.projectId) throw new ForbiddenError()
  checkRevision(pool, ifMatch)
  const changes: Partial<SubnetPool> = {}
  for (const key of [
    'name',
    'description',
    'defaultPrefixlen',
    'minPrefixlen',
    'maxPrefixlen',
    'isDefault',
    'defaultQuota',
    'addressScopeId',
  ] as const) {
    if (update[key] !== undefined) Object.assign(changes, { [key]: update[key] })
  }
  if (update.prefixes) {
    const { version, prefixes } = normalizePrefixes([...pool.prefixes, ...update.prefixes])
    if (version !== pool.ipVersion)
      throw new InvalidInputError('Prefixes must keep the pool IP version')
    changes.prefixes = [...new Set(prefixes)]
  }
  const next = bumped(ctx, pool, changes)
  assertWritten(await updateSubnetPool(ctx.db, next, pool.revisionNumber), 'Subnet pool')
  return next
}

export async function deletePool(ctx: NetworkContext, caller: Caller, id: string): Promise<void> {
  const pool = await getPool(ctx, caller, id)
  if (!caller.isAdmin && pool.projectId !== caller.projectId) throw new ForbiddenError()
  if ((await listSubnets(ctx.db, { subnetpoolId: id })).length > 0)
    throw new SubnetPoolInUseError(id)
  await deleteSubnetPool(ctx.db, id)
  await dropTags(ctx.db, id)
}
