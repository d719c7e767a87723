/** @module network/service/tags: the tags of any taggable resource */
import { NotFoundError } from '../../core/errors/index.js'
import { addTag, removeTag, setTags, tagsOf } from '../db/standard-attrs.js'
import { TagNotFoundError } from '../errors.js'
import type { Caller, NetworkContext } from './context.js'
import { getFloatingIp } from './floating-ips.js'
import { getNetwork } from './networks.js'
import { getPort } from './ports.js'
import { getRouter } from './routers.js'
import { getGroup } from './security-groups.js'
import { getPool } from './subnet-pools.js'
import { getSubnet } from './subnets.js'

export const TAGGABLE = [
  'networks',
  'subnets',
  'ports',
  'routers',
  'floatingips',
  'security-groups',
  'subnetpools',
] as const
export type Taggable = (typeof TAGGABLE)[number]

/** The owner of a resource the caller may see, or 404. */
export async function taggedOwner(
  ctx: NetworkContext,
  caller: Caller,
  kind: string,
  id: string,
): Promise<string> {
  switch (kind) {
    case 'networks':
      return (await getNetwork(ctx, caller, id)).projectId
    case 'subnets':
      return (await getSubnet(ctx, caller, id)).projectId
    case 'ports':
      return (await getPort(ctx, caller, id)).projectId
    case 'routers':
      return (await getRouter(ctx, caller, id)).router.projectId
    case 'floatingips':
      return (await getFloatingIp(ctx, caller, id)).fip.projectId
    case 'security-groups':
      return (await getGroup(ctx, caller, id)).projectId
    case 'subnetpools':
      return (await getPool(ctx, caller, id)).projectId
    default:
      throw new NotFoundError()
  }
}

export async function readTags(ctx: NetworkContext, id: string): Promise<string[]> {
  return (await tagsOf(ctx.db, [id])).get(id) ?? []
}

export async function replaceTags(
  ctx: NetworkContext,
  id: string,
  tags: string[],
): Promise<string[]> {
  await ctx.db.transaction().execute((tx) => setTags(tx, id, tags))
  return readTags(ctx, id)
}

export async function addOneTag(ctx: NetworkContext, id: string, tag: string): Promise<void> {
  await addTag(ctx.db, id, tag)
}

export async function removeOneTag(ctx: NetworkContext, id: string, tag: string): Promise<void> {
  if (!(await removeTag(ctx.db, id, tag))) throw new TagNotFoundError(id, tag)
}

export async function hasTag(ctx: NetworkContext, id: string, tag: string): Promise<void> {
  if (!(await readTags(ctx, id)).includes(tag)) throw new TagNotFoundError(id, tag)
}
