/** @module block-storage/scheduler/volume-scheduler: picks the backend pool for a new volume */
import { listPools, type Pool } from '../service/backends.js'
import type { BlockStorageContext } from '../service/context.js'

/** What a volume needs from a backend. */
export interface PlacementRequest {
  sizeGb: number
  zone: string | null
  /** The volume type's extra specs (`volume_backend_name`, `RESKEY:availability_zones`). */
  extraSpecs: Record<string, string>
}

/** A pool, or the reason no pool could take the volume. */
export type PlacementResult = { pool: Pool } | { reason: string }

interface Filter {
  name: string
  passes(pool: Pool, request: PlacementRequest): boolean
}

const FILTERS: readonly Filter[] = [
  { name: 'AvailabilityZoneFilter', passes: (p, r) => r.zone === null || p.zone === r.zone },
  {
    name: 'ZonesOfTypeFilter',
    passes: (p, r) => {
      const zones = r.extraSpecs['RESKEY:availability_zones']
      return (
        !zones ||
        zones
          .split(',')
          .map((z) => z.trim())
          .includes(p.zone)
      )
    },
  },
  { name: 'ServiceUpFilter', passes: (p) => p.up && !p.disabled && !p.frozen },
  {
    name: 'CapabilitiesFilter',
    passes: (p, r) => {
      const backend = r.extraSpecs['volume_backend_name']
      if (backend && backend !== p.report.backend) return false
      const protocol = r.extraSpecs['storage_protocol']
      return !protocol || protocol.toLowerCase() === p.report.capabilities.storageProtocol
    },
  },
  { name: 'CapacityFilter', passes: (p, r) => p.report.stats.freeGb >= r.sizeGb },
]

/** Runs the filters in order, then weighs by free capacity (the most free first). */
export async function selectPool(
  ctx: BlockStorageContext,
  request: PlacementRequest,
): Promise<PlacementResult> {
  let pools = await listPools(ctx)
  if (pools.length === 0) return { reason: 'No volume backend has reported to the scheduler.' }
  for (const filter of FILTERS) {
    const kept = pools.filter((p) => filter.passes(p, request))
    if (kept.length === 0) {
      const why =
        filter.name === 'CapacityFilter'
          ? `none of ${pools.length} backend(s) has ${request.sizeGb} GiB free (largest free: ${Math.max(...pools.map((p) => p.report.stats.freeGb))} GiB)`
          : filter.name === 'ServiceUpFilter'
            ? 'every matching volume service is down, disabled or frozen'
            : filter.name === 'AvailabilityZoneFilter'
              ? `no backend in availability zone ${request.zone ?? ''}`
              : filter.name === 'ZonesOfTypeFilter'
                ? `no backend in the volume type's zones ${request.extraSpecs['RESKEY:availability_zones'] ?? ''}`
                : `no backend matches the volume type's extra specs`
      return { reason: `No valid backend was found. ${filter.name}: ${why}.` }
    }
    pools = kept
  }
  pools.sort((a, b) => b.report.stats.freeGb - a.report.stats.freeGb)
  return { pool: pools[0] as Pool }
}
