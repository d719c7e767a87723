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

/** Keystone's endpoint URL substitution: `$(project_id)s` and `%(project_id)s`. */
export function substituteProjectId(url: string, projectId: string | undefined): string {
  if (projectId === undefined) return url
  return url.replaceAll('$(project_id)s', projectId).replaceAll('%(project_id)s', projectId)
}

/** The catalog with endpoint URLs substituted for a project-scoped token. */
export async function buildCatalog(
  ctx: IdentityContext,
  projectId?: string,
): Promise<CatalogEntry[]> {
  const catalog = await cachedCatalog(ctx)
  if (projectId === undefined) return catalog
  return catalog.map((entry) => ({
    ...entry,
    endpoints: entry.endpoints.map((e) => ({ ...e, url: substituteProjectId(e.url, projectId) })),
  }))
}

/** Enabled services with their enabled endpoints; cached until identity data changes. */
async function cachedCatalog(ctx: IdentityContext): Promise<CatalogEntry[]> {
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
