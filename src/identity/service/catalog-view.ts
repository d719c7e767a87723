/** @module identity/service/catalog-view: the service catalog as tokens and /auth/catalog show it */
import { listEndpoints, listServices } from '../db/catalog-repo.js'
import type { IdentityContext } from './context.js'

export interface CatalogEntry {
  endpoints: {
    id: string
    interface: string
    region: string | null
    region_id: string | null
    url: string
  }[]
  id: string
  type: string
  name: string
}

/** Enabled services with their enabled endpoints; cached until identity data changes. */
export async function buildCatalog(ctx: IdentityContext): Promise<CatalogEntry[]> {
  const cached = ctx.state.catalogCache as
    { generation: number; catalog: CatalogEntry[] } | undefined
  if (cached && cached.generation === ctx.state.generation) return cached.catalog
  const generation = ctx.state.generation
  const services = (await listServices(ctx.db)).filter((s) => s.enabled)
  const endpoints = (await listEndpoints(ctx.db)).filter((e) => e.enabled)
  const catalog = services.map((s) => ({
    endpoints: endpoints
      .filter((e) => e.serviceId === s.id)
      .map((e) => ({
        id: e.id,
        interface: e.interface,
        region: e.regionId,
        region_id: e.regionId,
        url: e.url,
      })),
    id: s.id,
    type: s.type,
    name: typeof s.extra['name'] === 'string' ? s.extra['name'] : '',
  }))
  ctx.state.catalogCache = { generation, catalog }
  return catalog
}
