/** @module compute/service/server-meta: server metadata and tags */
import { NotFoundError } from '../../core/errors/index.js'
import {
  deleteMetadataKey,
  metadataOf,
  setMetadata,
  setTags,
  tagsOf,
} from '../db/instances-repo.js'
import { ComputeValidationError } from '../errors.js'
import type { Caller, ComputeContext } from './context.js'
import { projectLimits } from './quotas.js'
import { findServer } from './server-access.js'

/** Servers hold at most 50 tags (Nova's MAX_TAGS_PER_INSTANCE). */
export const MAX_TAGS = 50

export async function serverMetadata(ctx: ComputeContext, caller: Caller, uuid: string) {
  await findServer(ctx, caller, uuid)
  return (await metadataOf(ctx.db, [uuid])).get(uuid) ?? {}
}

export async function updateServerMetadata(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  metadata: Record<string, string>,
  replace: boolean,
): Promise<Record<string, string>> {
  const instance = await findServer(ctx, caller, uuid)
  const current = replace ? {} : await serverMetadata(ctx, caller, uuid)
  const limit = (await projectLimits(ctx, instance.projectId)).metadata_items
  if (limit >= 0 && Object.keys({ ...current, ...metadata }).length > limit) {
    throw new ComputeValidationError(`Quota exceeded for metadata items (limit ${limit})`)
  }
  await setMetadata(ctx.db, uuid, metadata, replace)
  return serverMetadata(ctx, caller, uuid)
}

export async function deleteServerMetadata(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  key: string,
): Promise<void> {
  await findServer(ctx, caller, uuid)
  if (!(await deleteMetadataKey(ctx.db, uuid, key))) {
    throw new NotFoundError(`Metadata item was not found`)
  }
}

export async function serverTags(ctx: ComputeContext, caller: Caller, uuid: string) {
  await findServer(ctx, caller, uuid)
  return (await tagsOf(ctx.db, [uuid])).get(uuid) ?? []
}

export async function replaceServerTags(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  tags: string[],
): Promise<string[]> {
  await findServer(ctx, caller, uuid)
  if (new Set(tags).size > MAX_TAGS) {
    throw new ComputeValidationError(`The number of tags exceeded the per-server limit ${MAX_TAGS}`)
  }
  await setTags(ctx.db, uuid, tags)
  return serverTags(ctx, caller, uuid)
}

/** Adds one tag; true when it was new. */
export async function addServerTag(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  tag: string,
): Promise<boolean> {
  const tags = await serverTags(ctx, caller, uuid)
  if (tags.includes(tag)) return false
  await replaceServerTags(ctx, caller, uuid, [...tags, tag])
  return true
}

export async function removeServerTag(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  tag: string,
): Promise<void> {
  const tags = await serverTags(ctx, caller, uuid)
  if (!tags.includes(tag)) throw new NotFoundError(`Tag ${tag} could not be found.`)
  await setTags(
    ctx.db,
    uuid,
    tags.filter((t) => t !== tag),
  )
}
