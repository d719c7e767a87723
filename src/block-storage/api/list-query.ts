/** @module block-storage/api/list-query: the paging and sorting parameters of Cinder's lists */
import type { RouteInput } from '../../core/http/index.js'
import { parseCount, parseSort, type PageRequest } from '../service/list-page.js'
import { boolValue, queryOne } from './route-kit.js'

export function pageRequest(input: RouteInput, sortKeys: readonly string[]): PageRequest {
  const limit = parseCount('limit', queryOne(input, 'limit'))
  const offset = parseCount('offset', queryOne(input, 'offset'))
  const marker = queryOne(input, 'marker')
  const sort = queryOne(input, 'sort')
  const sortKey = queryOne(input, 'sort_key')
  const sortDir = queryOne(input, 'sort_dir')
  return {
    sort: parseSort(
      {
        ...(sort !== undefined ? { sort } : {}),
        ...(sortKey !== undefined ? { sortKey } : {}),
        ...(sortDir !== undefined ? { sortDir } : {}),
      },
      sortKeys,
    ),
    ...(limit !== undefined ? { limit } : {}),
    ...(offset !== undefined ? { offset } : {}),
    ...(marker !== undefined ? { marker } : {}),
  }
}

/** `all_tenants` and `project_id`, which only admins may use (others are scoped anyway). */
export function tenancy(input: RouteInput): { allTenants?: boolean; projectId?: string } {
  const all = queryOne(input, 'all_tenants')
  const projectId = queryOne(input, 'project_id')
  return {
    ...(all !== undefined ? { allTenants: all === '' ? true : boolValue(all, 'all_tenants') } : {}),
    ...(projectId !== undefined ? { projectId } : {}),
  }
}

/** A filter value; Cinder accepts `name` and `display_name` alike. */
export function filter(input: RouteInput, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const v = queryOne(input, key)
    if (v !== undefined) return v
  }
  return undefined
}
