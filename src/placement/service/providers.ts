/** @module placement/service/providers: resource providers and their inventories */
import { isUniqueViolation } from '../../core/db/index.js'
import {
  bumpGeneration,
  createProvider as insertProvider,
  deleteProvider as removeProvider,
  getProvider as findProvider,
  listInventories,
  listProviders as findProviders,
  replaceInventories,
  type Inventory,
  type Provider,
} from '../db/placement-repo.js'
import {
  GenerationConflictError,
  ResourceProviderExistsError,
  ResourceProviderNotFoundError,
} from '../errors.js'
import { now, type PlacementContext } from './context.js'

export type { Inventory, Provider }

export async function getProvider(ctx: PlacementContext, uuid: string): Promise<Provider> {
  const found = await findProvider(ctx.db, uuid)
  if (!found) throw new ResourceProviderNotFoundError(uuid)
  return found
}

export function listProviders(
  ctx: PlacementContext,
  filter: { name?: string; uuid?: string },
): Promise<Provider[]> {
  return findProviders(ctx.db, filter)
}

export async function createProvider(
  ctx: PlacementContext,
  input: { name: string; uuid?: string; parentProviderUuid?: string },
): Promise<Provider> {
  const uuid = input.uuid ?? ctx.ids.uuid()
  const parent = input.parentProviderUuid ? await getProvider(ctx, input.parentProviderUuid) : null
  const at = now(ctx)
  const provider: Provider = {
    uuid,
    name: input.name,
    generation: 0,
    parentProviderUuid: parent?.uuid ?? null,
    rootProviderUuid: parent?.rootProviderUuid ?? uuid,
    createdAt: at,
    updatedAt: at,
  }
  try {
    await insertProvider(ctx.db, provider)
  } catch (error) {
    if (isUniqueViolation(error)) throw new ResourceProviderExistsError(`${input.name} or ${uuid}`)
    throw error
  }
  return provider
}

export async function updateProvider(
  ctx: PlacementContext,
  uuid: string,
  input: { name: string },
): Promise<Provider> {
  const found = await getProvider(ctx, uuid)
  try {
    await bumpGeneration(ctx.db, uuid, found.generation, { name: input.name, updatedAt: now(ctx) })
  } catch (error) {
    if (isUniqueViolation(error)) throw new ResourceProviderExistsError(input.name)
    throw error
  }
  return getProvider(ctx, uuid)
}

export async function deleteProvider(ctx: PlacementContext, uuid: string): Promise<void> {
  await getProvider(ctx, uuid)
  await removeProvider(ctx.db, uuid)
}

export async function getInventories(
  ctx: PlacementContext,
  uuid: string,
): Promise<{ provider: Provider; inventories: Inventory[] }> {
  const provider = await getProvider(ctx, uuid)
  return { provider, inventories: await listInventories(ctx.db, uuid) }
}

/** Replaces a provider's inventories if its generation is still `generation`. */
export async function setInventories(
  ctx: PlacementContext,
  uuid: string,
  generation: number,
  inventories: readonly Inventory[],
): Promise<{ provider: Provider; inventories: Inventory[] }> {
  await ctx.db.transaction().execute(async (tx) => {
    const provider = await findProvider(tx, uuid)
    if (!provider) throw new ResourceProviderNotFoundError(uuid)
    if (!(await bumpGeneration(tx, uuid, generation, { updatedAt: now(ctx) }))) {
      throw new GenerationConflictError('resource provider')
    }
    await replaceInventories(tx, uuid, inventories)
  })
  return getInventories(ctx, uuid)
}
