/** @module block-storage/service/backends: the volume agents' heartbeats and what they report */
import { listServices, upsertService, type ServiceRecord } from '../db/records-repo.js'
import type { BackendReport } from '../rpc/contracts.js'
import { timestamp, type BlockStorageContext } from './context.js'

export const VOLUME_BINARY = 'cinder-volume'
export const SCHEDULER_BINARY = 'cinder-scheduler'

/** A backend pool as the scheduler and `get_pools` see it. */
export interface Pool {
  /** `host@backend#pool` */
  name: string
  /** `host@backend`, the service host. */
  serviceHost: string
  zone: string
  up: boolean
  disabled: boolean
  /** Frozen by an admin: nothing new is placed there. */
  frozen: boolean
  report: BackendReport
}

/** Records an agent's heartbeat with its backend's stats. */
export async function recordHeartbeat(ctx: BlockStorageContext, report: BackendReport) {
  await upsertService(ctx.db, {
    id: ctx.ids.uuid(),
    host: `${report.host}@${report.backend}`,
    binary: VOLUME_BINARY,
    zone: report.zone,
    at: timestamp(ctx),
    stats: report,
  })
}

/** Records the server's own heartbeat (the scheduler runs in the server). */
export async function recordSchedulerHeartbeat(ctx: BlockStorageContext, host: string) {
  await upsertService(ctx.db, {
    id: ctx.ids.uuid(),
    host,
    binary: SCHEDULER_BINARY,
    zone: ctx.config.availabilityZone,
    at: timestamp(ctx),
  })
}

/** Whether a service's last heartbeat is recent enough. */
export function isUp(ctx: BlockStorageContext, service: ServiceRecord): boolean {
  const age = ctx.clock.now() - Date.parse(service.updatedAt)
  return age <= ctx.config.serviceDownSeconds * 1000
}

export async function listPools(ctx: BlockStorageContext): Promise<Pool[]> {
  const services = await listServices(ctx.db)
  return services
    .filter((s) => s.binary === VOLUME_BINARY && typeof s.stats['backend'] === 'string')
    .map((s) => {
      const report = s.stats as unknown as BackendReport
      return {
        name: `${s.host}#${report.backend}`,
        serviceHost: s.host,
        zone: s.zone,
        up: isUp(ctx, s),
        disabled: s.disabled,
        frozen: s.frozen,
        report,
      }
    })
}

/** The agent host (bus address) of a pool name `host@backend#pool`. */
export function agentHostOf(poolName: string): string {
  return poolName.split('@')[0] ?? poolName
}

/** The availability zones and whether any backend in each is usable. */
export async function availabilityZones(
  ctx: BlockStorageContext,
): Promise<{ name: string; available: boolean }[]> {
  const zones = new Map<string, boolean>()
  for (const p of await listPools(ctx)) {
    zones.set(p.zone, (zones.get(p.zone) ?? false) || (p.up && !p.disabled))
  }
  if (zones.size === 0) zones.set(ctx.config.availabilityZone, false)
  return [...zones].map(([name, available]) => ({ name, available }))
}
