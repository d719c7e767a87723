/** @module placement/db/placement-repo: providers, inventories, consumers and allocations */
import type { Kysely, Selectable, Transaction } from 'kysely'
import type { InventoryTable, PlacementDatabase, ResourceProviderTable } from './schema.js'

export type Db = Kysely<PlacementDatabase> | Transaction<PlacementDatabase>

/** A resource provider as the service layer sees it. */
export interface Provider {
  uuid: string
  name: string
  generation: number
  parentProviderUuid: string | null
  rootProviderUuid: string
  createdAt: string
  updatedAt: string
}

/** One resource class of a provider's inventory. */
export interface Inventory {
  resourceClass: string
  total: number
  reserved: number
  minUnit: number
  maxUnit: number
  stepSize: number
  allocationRatio: number
}

/** One consumer's use of one resource class on one provider. */
export interface Allocation {
  consumerId: string
  providerUuid: string
  resourceClass: string
  used: number
}

function providerFromRow(row: Selectable<ResourceProviderTable>): Provider {
  return {
    uuid: row.uuid,
    name: row.name,
    generation: Number(row.generation),
    parentProviderUuid: row.parent_provider_uuid,
    rootProviderUuid: row.root_provider_uuid,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function inventoryFromRow(row: Selectable<InventoryTable>): Inventory {
  return {
    resourceClass: row.resource_class,
    total: Number(row.total),
    reserved: Number(row.reserved),
    minUnit: Number(row.min_unit),
    maxUnit: Number(row.max_unit),
    stepSize: Number(row.step_size),
    allocationRatio: Number(row.allocation_ratio),
  }
}

export async function getProvider(db: Db, uuid: string): Promise<Provider | undefined> {
  const row = await db
    .selectFrom('resource_provider')
    .selectAll()
    .where('uuid', '=', uuid)
    .executeTakeFirst()
  return row && providerFromRow(row)
}

export async function listProviders(
  db: Db,
  filter: { name?: string; uuid?: string } = {},
): Promise<Provider[]> {
  let query = db.selectFrom('resource_provider').selectAll().orderBy('name')
  if (filter.name !== undefined) query = query.where('name', '=', filter.name)
  if (filter.uuid !== undefined) query = query.where('uuid', '=', filter.uuid)
  return (await query.execute()).map(providerFromRow)
}

export async function createProvider(db: Db, p: Provider): Promise<void> {
  await db
    .insertInto('resource_provider')
    .values({
      uuid: p.uuid,
      name: p.name,
      generation: p.generation,
      parent_provider_uuid: p.parentProviderUuid,
      root_provider_uuid: p.rootProviderUuid,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
    })
    .execute()
}

/** Bumps a provider's generation if it still is `expected`; false when it moved meanwhile. */
export async function bumpGeneration(
  db: Db,
  uuid: string,
  expected: number,
  updates: { name?: string; updatedAt: string },
): Promise<boolean> {
  const result = await db
    .updateTable('resource_provider')
    .set({
      generation: expected + 1,
      updated_at: updates.updatedAt,
      ...(updates.name !== undefined ? { name: updates.name } : {}),
    })
    .where('uuid', '=', uuid)
    .where('generation', '=', expected)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function deleteProvider(db: Db, uuid: string): Promise<void> {
  await db.deleteFrom('inventory').where('provider_uuid', '=', uuid).execute()
  await db.deleteFrom('provider_trait').where('provider_uuid', '=', uuid).execute()
  await db.deleteFrom('provider_aggregate').where('provider_uuid', '=', uuid).execute()
  await db.deleteFrom('resource_provider').where('uuid', '=', uuid).execute()
}

export async function listInventories(db: Db, uuid: string): Promise<Inventory[]> {
  const rows = await db
    .selectFrom('inventory')
    .selectAll()
    .where('provider_uuid', '=', uuid)
    .orderBy('resource_class')
    .execute()
  return rows.map(inventoryFromRow)
}

export async function allInventories(db: Db): Promise<Map<string, Inventory[]>> {
  const out = new Map<string, Inventory[]>()
  for (const row of await db.selectFrom('inventory').selectAll().execute()) {
    const list = out.get(row.provider_uuid) ?? []
    list.push(inventoryFromRow(row))
    out.set(row.provider_uuid, list)
  }
  return out
}

export async function replaceInventories(
  db: Db,
  uuid: string,
  inventories: readonly Inventory[],
): Promise<void> {
  await db.deleteFrom('inventory').where('provider_uuid', '=', uuid).execute()
  if (inventories.length === 0) return
  await db
    .insertInto('inventory')
    .values(
      inventories.map((i) => ({
        provider_uuid: uuid,
        resource_class: i.resourceClass,
        total: i.total,
        reserved: i.reserved,
        min_unit: i.minUnit,
        max_unit: i.maxUnit,
        step_size: i.stepSize,
        allocation_ratio: i.allocationRatio,
      })),
    )
    .execute()
}

/** Usage per resource class of each provider (or of one). */
export async function usages(db: Db, uuid?: string): Promise<Map<string, Record<string, number>>> {
  let query = db
    .selectFrom('allocation')
    .select(['provider_uuid', 'resource_class', (eb) => eb.fn.sum<number>('used').as('used')])
    .groupBy(['provider_uuid', 'resource_class'])
  if (uuid !== undefined) query = query.where('provider_uuid', '=', uuid)
  const out = new Map<string, Record<string, number>>()
  for (const row of await query.execute()) {
    const entry = out.get(row.provider_uuid) ?? {}
    entry[row.resource_class] = Number(row.used)
    out.set(row.provider_uuid, entry)
  }
  return out
}

export async function allocationsOfConsumer(db: Db, consumerId: string): Promise<Allocation[]> {
  const rows = await db
    .selectFrom('allocation')
    .selectAll()
    .where('consumer_id', '=', consumerId)
    .execute()
  return rows.map((r) => ({
    consumerId: r.consumer_id,
    providerUuid: r.provider_uuid,
    resourceClass: r.resource_class,
    used: Number(r.used),
  }))
}

export async function allocationsOnProvider(db: Db, uuid: string): Promise<Allocation[]> {
  const rows = await db
    .selectFrom('allocation')
    .selectAll()
    .where('provider_uuid', '=', uuid)
    .execute()
  return rows.map((r) => ({
    consumerId: r.consumer_id,
    providerUuid: r.provider_uuid,
    resourceClass: r.resource_class,
    used: Number(r.used),
  }))
}

export async function replaceAllocations(
  db: Db,
  consumerId: string,
  allocations: readonly Allocation[],
): Promise<void> {
  await db.deleteFrom('allocation').where('consumer_id', '=', consumerId).execute()
  if (allocations.length === 0) return
  await db
    .insertInto('allocation')
    .values(
      allocations.map((a) => ({
        consumer_id: consumerId,
        provider_uuid: a.providerUuid,
        resource_class: a.resourceClass,
        used: a.used,
      })),
    )
    .execute()
}

export interface Consumer {
  uuid: string
  projectId: string
  userId: string
  generation: number
}

export async function getConsumer(db: Db, uuid: string): Promise<Consumer | undefined> {
  const row = await db
    .selectFrom('consumer')
    .selectAll()
    .where('uuid', '=', uuid)
    .executeTakeFirst()
  return (
    row && {
      uuid: row.uuid,
      projectId: row.project_id,
      userId: row.user_id,
      generation: Number(row.generation),
    }
  )
}

export async function saveConsumer(db: Db, c: Consumer, existed: boolean): Promise<void> {
  if (existed) {
    await db
      .updateTable('consumer')
      .set({ generation: c.generation, project_id: c.projectId, user_id: c.userId })
      .where('uuid', '=', c.uuid)
      .execute()
  } else {
    await db
      .insertInto('consumer')
      .values({
        uuid: c.uuid,
        project_id: c.projectId,
        user_id: c.userId,
        generation: c.generation,
      })
      .execute()
  }
}

export async function deleteConsumer(db: Db, uuid: string): Promise<void> {
  await db.deleteFrom('allocation').where('consumer_id', '=', uuid).execute()
  await db.deleteFrom('consumer').where('uuid', '=', uuid).execute()
}
