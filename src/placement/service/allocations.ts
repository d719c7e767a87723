/** @module placement/service/allocations: claiming and releasing resources atomically */
import {
  allInventories,
  allocationsOfConsumer,
  deleteConsumer,
  getConsumer,
  getProvider,
  replaceAllocations,
  saveConsumer,
  usages,
  type Allocation,
  type Db,
  type Inventory,
} from '../db/placement-repo.js'
import {
  GenerationConflictError,
  InsufficientCapacityError,
  ResourceProviderNotFoundError,
} from '../errors.js'
import type { PlacementContext } from './context.js'

/** What a consumer asks for: resources per provider. */
export interface AllocationRequest {
  allocations: Record<string, Record<string, number>>
  projectId: string
  userId: string
  /** null: the consumer must be new; undefined: no check (before 1.28). */
  consumerGeneration?: number | null
}

/** Room left for a resource class on a provider, after reservations and other consumers. */
export function capacity(inventory: Inventory, used: number): number {
  return Math.floor((inventory.total - inventory.reserved) * inventory.allocationRatio) - used
}

function checkFits(
  wanted: Record<string, Record<string, number>>,
  inventories: Map<string, Inventory[]>,
  used: Map<string, Record<string, number>>,
): void {
  for (const [provider, resources] of Object.entries(wanted)) {
    for (const [rc, amount] of Object.entries(resources)) {
      const inv = inventories.get(provider)?.find((i) => i.resourceClass === rc)
      if (!inv) throw new InsufficientCapacityError(`${provider} has no inventory of ${rc}`)
      if (amount < inv.minUnit || amount > inv.maxUnit || amount % inv.stepSize !== 0) {
        throw new InsufficientCapacityError(
          `${rc} ${amount} on ${provider} is outside ${inv.minUnit}..${inv.maxUnit} step ${inv.stepSize}`,
        )
      }
      const room = capacity(inv, used.get(provider)?.[rc] ?? 0)
      if (amount > room) {
        throw new InsufficientCapacityError(`${rc} ${amount} on ${provider}: only ${room} free`)
      }
    }
  }
}

async function replaceIn(tx: Db, consumerId: string, request: AllocationRequest): Promise<void> {
  const consumer = await getConsumer(tx, consumerId)
  const expected = request.consumerGeneration
  if (expected !== undefined && (consumer?.generation ?? null) !== expected) {
    throw new GenerationConflictError('consumer')
  }
  for (const provider of Object.keys(request.allocations)) {
    if (!(await getProvider(tx, provider))) throw new ResourceProviderNotFoundError(provider)
  }
  // The consumer's own current allocations do not count against it.
  await replaceAllocations(tx, consumerId, [])
  checkFits(request.allocations, await allInventories(tx), await usages(tx))
  const rows: Allocation[] = Object.entries(request.allocations).flatMap(([provider, res]) =>
    Object.entries(res)
      .filter(([, used]) => used > 0)
      .map(([resourceClass, used]) => ({
        consumerId,
        providerUuid: provider,
        resourceClass,
        used,
      })),
  )
  await replaceAllocations(tx, consumerId, rows)
  if (rows.length === 0) {
    await deleteConsumer(tx, consumerId)
    return
  }
  await saveConsumer(
    tx,
    {
      uuid: consumerId,
      projectId: request.projectId,
      userId: request.userId,
      generation: (consumer?.generation ?? -1) + 1,
    },
    consumer !== undefined,
  )
}

/** Replaces a consumer's allocations in one transaction, or changes nothing. */
export async function putAllocations(
  ctx: PlacementContext,
  consumerId: string,
  request: AllocationRequest,
): Promise<void> {
  await ctx.db.transaction().execute((tx) => replaceIn(tx, consumerId, request))
}

/** Replaces several consumers' allocations together (POST /allocations, used by migrations). */
export async function postAllocations(
  ctx: PlacementContext,
  requests: Record<string, AllocationRequest>,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    for (const [consumerId, request] of Object.entries(requests)) {
      await replaceIn(tx, consumerId, request)
    }
  })
}

export async function getAllocations(ctx: PlacementContext, consumerId: string) {
  const consumer = await getConsumer(ctx.db, consumerId)
  const rows = await allocationsOfConsumer(ctx.db, consumerId)
  const byProvider: Record<string, { generation: number; resources: Record<string, number> }> = {}
  for (const row of rows) {
    const provider = await getProvider(ctx.db, row.providerUuid)
    const entry = (byProvider[row.providerUuid] ??= {
      generation: provider?.generation ?? 0,
      resources: {},
    })
    entry.resources[row.resourceClass] = row.used
  }
  return { allocations: byProvider, consumer }
}

/** Removes every allocation of a consumer; false when it had none. */
export async function deleteAllocations(ctx: PlacementContext, consumerId: string) {
  const rows = await allocationsOfConsumer(ctx.db, consumerId)
  await deleteConsumer(ctx.db, consumerId)
  return rows.length > 0
}
