/** @module identity/service/catalog: regions, services and endpoints */
import {
  createEndpoint,
  createRegion,
  createService,
  deleteEndpoint,
  deleteRegion,
  deleteService,
  getEndpoint,
  getRegion,
  getService,
  listEndpoints,
  listRegions,
  updateEndpoint,
  updateRegion,
  updateService,
  type CatalogService,
  type Endpoint,
  type EndpointInterface,
  type Region,
} from '../db/catalog-repo.js'
import {
  IdentityConflictError,
  IdentityForbiddenError,
  IdentityNotFoundError,
  IdentityValidationError,
} from '../errors.js'
import { writeTransaction, type IdentityContext } from './context.js'

export async function requireRegion(ctx: IdentityContext, id: string): Promise<Region> {
  const region = await getRegion(ctx.db, id)
  if (!region) throw new IdentityNotFoundError('region', id)
  return region
}

export async function requireService(ctx: IdentityContext, id: string): Promise<CatalogService> {
  const service = await getService(ctx.db, id)
  if (!service) throw new IdentityNotFoundError('service', id)
  return service
}

export async function requireEndpoint(ctx: IdentityContext, id: string): Promise<Endpoint> {
  const endpoint = await getEndpoint(ctx.db, id)
  if (!endpoint) throw new IdentityNotFoundError('endpoint', id)
  return endpoint
}

async function checkParentRegion(
  ctx: IdentityContext,
  id: string,
  parentId: string | null | undefined,
): Promise<void> {
  if (!parentId) return
  if (parentId === id) throw new IdentityValidationError('A region cannot be its own parent.')
  let cursor: string | null = parentId
  const seen = new Set<string>()
  while (cursor) {
    if (cursor === id) throw new IdentityValidationError('The parent region would create a cycle.')
    if (seen.has(cursor)) break
    seen.add(cursor)
    const region = await getRegion(ctx.db, cursor)
    if (!region) throw new IdentityValidationError(`Could not find parent region: ${parentId}.`)
    cursor = region.parentRegionId
  }
}

export async function createRegionIn(
  ctx: IdentityContext,
  input: {
    id?: string
    description?: string
    parentRegionId?: string | null
    extra?: Record<string, unknown>
  },
): Promise<Region> {
  const id = input.id ?? ctx.ids.hex()
  if (await getRegion(ctx.db, id)) throw new IdentityConflictError('region', 'id', id)
  await checkParentRegion(ctx, id, input.parentRegionId)
  const region: Region = {
    id,
    description: input.description ?? '',
    parentRegionId: input.parentRegionId ?? null,
    extra: input.extra ?? {},
  }
  await writeTransaction(ctx, (db) => createRegion(db, region))
  return region
}

export async function updateRegionBy(
  ctx: IdentityContext,
  id: string,
  input: { description?: string; parentRegionId?: string | null; extra?: Record<string, unknown> },
): Promise<Region> {
  const current = await requireRegion(ctx, id)
  if (input.parentRegionId !== undefined) await checkParentRegion(ctx, id, input.parentRegionId)
  const next: Region = {
    ...current,
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.parentRegionId !== undefined ? { parentRegionId: input.parentRegionId } : {}),
    extra: { ...current.extra, ...(input.extra ?? {}) },
  }
  await writeTransaction(ctx, (db) => updateRegion(db, next))
  return next
}

export async function removeRegion(ctx: IdentityContext, id: string): Promise<void> {
  await requireRegion(ctx, id)
  if ((await listRegions(ctx.db, id)).length > 0)
    throw new IdentityForbiddenError(`Cannot delete region ${id}: it has child regions.`)
  if ((await listEndpoints(ctx.db, { regionId: id })).length > 0)
    throw new IdentityForbiddenError(
      `Unable to delete region ${id} because it has associated endpoints.`,
    )
  await writeTransaction(ctx, (db) => deleteRegion(db, id))
}

export async function createServiceIn(
  ctx: IdentityContext,
  input: { type: string; enabled?: boolean; extra?: Record<string, unknown> },
): Promise<CatalogService> {
  const service: CatalogService = {
    id: ctx.ids.hex(),
    type: input.type,
    enabled: input.enabled ?? true,
    extra: input.extra ?? {},
  }
  await writeTransaction(ctx, (db) => createService(db, service))
  return service
}

export async function updateServiceBy(
  ctx: IdentityContext,
  id: string,
  input: { type?: string; enabled?: boolean; extra?: Record<string, unknown> },
): Promise<CatalogService> {
  const current = await requireService(ctx, id)
  const next: CatalogService = {
    ...current,
    ...(input.type !== undefined ? { type: input.type } : {}),
    ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
    extra: { ...current.extra, ...(input.extra ?? {}) },
  }
  await writeTransaction(ctx, (db) => updateService(db, next))
  return next
}

export async function removeService(ctx: IdentityContext, id: string): Promise<void> {
  await requireService(ctx, id)
  await writeTransaction(ctx, (db) => deleteService(db, id))
}

export interface EndpointInput {
  serviceId?: string
  interface?: EndpointInterface
  url?: string
  regionId?: string | null
  enabled?: boolean
  extra?: Record<string, unknown>
}

async function checkEndpointRefs(ctx: IdentityContext, input: EndpointInput): Promise<void> {
  if (input.serviceId !== undefined && !(await getService(ctx.db, input.serviceId)))
    throw new IdentityValidationError(`Could not find service: ${input.serviceId}.`)
  // As Keystone: an endpoint naming an unknown region creates it.
  if (input.regionId && !(await getRegion(ctx.db, input.regionId))) {
    await createRegionIn(ctx, { id: input.regionId })
  }
}

export async function createEndpointIn(
  ctx: IdentityContext,
  input: EndpointInput,
): Promise<Endpoint> {
  await checkEndpointRefs(ctx, input)
  const endpoint: Endpoint = {
    id: ctx.ids.hex(),
    serviceId: input.serviceId as string,
    interface: input.interface as EndpointInterface,
    url: input.url as string,
    regionId: input.regionId ?? null,
    enabled: input.enabled ?? true,
    extra: input.extra ?? {},
  }
  await writeTransaction(ctx, (db) => createEndpoint(db, endpoint))
  return endpoint
}

export async function updateEndpointBy(
  ctx: IdentityContext,
  id: string,
  input: EndpointInput,
): Promise<Endpoint> {
  const current = await requireEndpoint(ctx, id)
  await checkEndpointRefs(ctx, input)
  const next: Endpoint = {
    ...current,
    ...(input.serviceId !== undefined ? { serviceId: input.serviceId } : {}),
    ...(input.interface !== undefined ? { interface: input.interface } : {}),
    ...(input.url !== undefined ? { url: input.url } : {}),
    ...(input.regionId !== undefined ? { regionId: input.regionId } : {}),
    ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
    extra: { ...current.extra, ...(input.extra ?? {}) },
  }
  await writeTransaction(ctx, (db) => updateEndpoint(db, next))
  return next
}

export async function removeEndpoint(ctx: IdentityContext, id: string): Promise<void> {
  await requireEndpoint(ctx, id)
  await writeTransaction(ctx, (db) => deleteEndpoint(db, id))
}
