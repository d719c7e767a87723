/** @module identity/db/catalog-repo: regions, services and endpoints */
import type { Kysely } from 'kysely'
import { fromBool, parseJsonColumn, toBool } from '../../core/db/index.js'
import type { IdentityDatabase } from './schema.js'

type Db = Kysely<IdentityDatabase>

export interface Region {
  id: string
  description: string
  parentRegionId: string | null
  extra: Record<string, unknown>
}

export interface CatalogService {
  id: string
  type: string
  enabled: boolean
  /** name, description and any other attribute. */
  extra: Record<string, unknown>
}

export const INTERFACES = ['public', 'internal', 'admin'] as const
export type EndpointInterface = (typeof INTERFACES)[number]

export interface Endpoint {
  id: string
  serviceId: string
  interface: EndpointInterface
  url: string
  regionId: string | null
  enabled: boolean
  extra: Record<string, unknown>
}

export async function listRegions(db: Db, parentRegionId?: string): Promise<Region[]> {
  let query = db.selectFrom('region').selectAll()
  if (parentRegionId !== undefined) query = query.where('parent_region_id', '=', parentRegionId)
  const rows = await query.orderBy('id').execute()
  return rows.map((r) => ({
    id: r.id,
    description: r.description,
    parentRegionId: r.parent_region_id,
    extra: parseJsonColumn(r.extra, {}),
  }))
}

export async function getRegion(db: Db, id: string): Promise<Region | undefined> {
  const row = await db.selectFrom('region').selectAll().where('id', '=', id).executeTakeFirst()
  return (
    row && {
      id: row.id,
      description: row.description,
      parentRegionId: row.parent_region_id,
      extra: parseJsonColumn(row.extra, {}),
    }
  )
}

export async function createRegion(db: Db, r: Region): Promise<void> {
  await db
    .insertInto('region')
    .values({
      id: r.id,
      description: r.description,
      parent_region_id: r.parentRegionId,
      extra: JSON.stringify(r.extra),
    })
    .execute()
}

export async function updateRegion(db: Db, r: Region): Promise<void> {
  await db
    .updateTable('region')
    .set({
      description: r.description,
      parent_region_id: r.parentRegionId,
      extra: JSON.stringify(r.extra),
    })
    .where('id', '=', r.id)
    .execute()
}

export async function deleteRegion(db: Db, id: string): Promise<void> {
  await db.deleteFrom('region').where('id', '=', id).execute()
}

export async function listServices(
  db: Db,
  filter: { type?: string } = {},
): Promise<CatalogService[]> {
  let query = db.selectFrom('service').selectAll()
  if (filter.type !== undefined) query = query.where('type', '=', filter.type)
  const rows = await query.orderBy('type').orderBy('id').execute()
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    enabled: toBool(r.enabled),
    extra: parseJsonColumn(r.extra, {}),
  }))
}

export async function getService(db: Db, id: string): Promise<CatalogService | undefined> {
  const row = await db.selectFrom('service').selectAll().where('id', '=', id).executeTakeFirst()
  return (
    row && {
      id: row.id,
      type: row.type,
      enabled: toBool(row.enabled),
      extra: parseJsonColumn(row.extra, {}),
    }
  )
}

export async function createService(db: Db, s: CatalogService): Promise<void> {
  await db
    .insertInto('service')
    .values({
      id: s.id,
      type: s.type,
      enabled: fromBool(s.enabled),
      extra: JSON.stringify(s.extra),
    })
    .execute()
}

export async function updateService(db: Db, s: CatalogService): Promise<void> {
  await db
    .updateTable('service')
    .set({ type: s.type, enabled: fromBool(s.enabled), extra: JSON.stringify(s.extra) })
    .where('id', '=', s.id)
    .execute()
}

export async function deleteService(db: Db, id: string): Promise<void> {
  await db.deleteFrom('endpoint').where('service_id', '=', id).execute()
  await db.deleteFrom('service').where('id', '=', id).execute()
}

export interface EndpointFilter {
  serviceId?: string
  interface?: string
  regionId?: string
}

export async function listEndpoints(db: Db, filter: EndpointFilter = {}): Promise<Endpoint[]> {
  let query = db.selectFrom('endpoint').selectAll()
  if (filter.serviceId !== undefined) query = query.where('service_id', '=', filter.serviceId)
  if (filter.interface !== undefined) query = query.where('interface', '=', filter.interface)
  if (filter.regionId !== undefined) query = query.where('region_id', '=', filter.regionId)
  const rows = await query.orderBy('id').execute()
  return rows.map((r) => ({
    id: r.id,
    serviceId: r.service_id,
    interface: r.interface as EndpointInterface,
    url: r.url,
    regionId: r.region_id,
    enabled: toBool(r.enabled),
    extra: parseJsonColumn(r.extra, {}),
  }))
}

export async function getEndpoint(db: Db, id: string): Promise<Endpoint | undefined> {
  return (await listEndpoints(db)).find((e) => e.id === id)
}

export async function createEndpoint(db: Db, e: Endpoint): Promise<void> {
  await db
    .insertInto('endpoint')
    .values({
      id: e.id,
      service_id: e.serviceId,
      interface: e.interface,
      url: e.url,
      region_id: e.regionId,
      enabled: fromBool(e.enabled),
      extra: JSON.stringify(e.extra),
    })
    .execute()
}

export async function updateEndpoint(db: Db, e: Endpoint): Promise<void> {
  await db
    .updateTable('endpoint')
    .set({
      service_id: e.serviceId,
      interface: e.interface,
      url: e.url,
      region_id: e.regionId,
      enabled: fromBool(e.enabled),
      extra: JSON.stringify(e.extra),
    })
    .where('id', '=', e.id)
    .execute()
}

export async function deleteEndpoint(db: Db, id: string): Promise<void> {
  await db.deleteFrom('endpoint').where('id', '=', id).execute()
}
