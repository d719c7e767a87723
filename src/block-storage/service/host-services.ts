/** @module block-storage/service/host-services: freezing backends and the per-host usage `os-hosts` shows */
import { listServices, setServiceFrozen, type ServiceRecord } from '../db/records-repo.js'
import { listSnapshots } from '../db/snapshots-repo.js'
import { listVolumes } from '../db/volumes-repo.js'
import { InvalidInputError, ServiceNotFoundError } from '../errors.js'
import { VOLUME_BINARY } from './backends.js'
import type { BlockStorageContext } from './context.js'

/**
 * Whether a stored host (`host@backend#pool`) is `value` as Cinder matches hosts: a value with
 * `#` names one pool, with `@` a backend and its pools, else a host and all its backends.
 */
export function hostMatches(stored: string, value: string): boolean {
  if (stored === value) return true
  if (value.includes('#')) return false
  if (value.includes('@')) return stored.startsWith(`${value}#`)
  return stored.startsWith(`${value}@`) || stored.startsWith(`${value}#`)
}

/** The backend part (`host@backend`) of a volume's host. */
function backendOf(host: string): string {
  return host.split('#')[0] ?? host
}

/** 400 (Cinder's InvalidInput) when the backend holding `host` is frozen. */
export async function assertNotFrozen(
  ctx: BlockStorageContext,
  host: string | null,
): Promise<void> {
  if (!host) return
  const backend = backendOf(host)
  const services = await listServices(ctx.db)
  if (services.some((s) => s.binary === VOLUME_BINARY && s.host === backend && s.frozen))
    throw new InvalidInputError(
      'Modification operations are not allowed on frozen storage backends.',
    )
}

async function volumeServicesOn(ctx: BlockStorageContext, host: string): Promise<ServiceRecord[]> {
  const found = (await listServices(ctx.db)).filter(
    (s) => s.binary === VOLUME_BINARY && hostMatches(s.host, host),
  )
  if (found.length === 0) throw new InvalidInputError(`No service found with host=${host}`)
  if (found.some((s) => s.host !== found[0]?.host))
    throw new InvalidInputError('Services from different clusters found.')
  return found
}

/**
 * Freezes (or thaws) the volume service of `host`: a frozen backend is disabled with the
 * reason `frozen`, so the scheduler places nothing there, and its volumes and snapshots
 * cannot be deleted or snapshotted until it is thawed. 400 when no volume service matches or
 * none was in the opposite state.
 */
export async function setBackendFrozen(
  ctx: BlockStorageContext,
  host: string,
  frozen: boolean,
): Promise<void> {
  const services = await volumeServicesOn(ctx, host)
  const unchanged: string[] = []
  for (const s of services)
    if (!(await setServiceFrozen(ctx.db, { host: s.host, binary: s.binary }, frozen)))
      unchanged.push(`'${s.host}'`)
  if (unchanged.length === services.length)
    throw new InvalidInputError(
      `No service could be changed: frozen in [${unchanged.join(', ')}] must be ${frozen ? 'False' : 'True'} to failover.`,
    )
}

/** What `GET /os-hosts/{host}` shows for one project (or `(total)`). */
export interface HostUsage {
  project: string
  volumeCount: number
  totalVolumeGb: number
  snapshotCount: number
  totalSnapshotGb: number
}

/**
 * The volumes and snapshots on the enabled volume service of `host`, in total and by project.
 * 404 when the host runs no enabled volume service.
 */
export async function hostUsage(ctx: BlockStorageContext, host: string): Promise<HostUsage[]> {
  const service = (await listServices(ctx.db)).find(
    (s) => s.binary === VOLUME_BINARY && !s.disabled && hostMatches(s.host, host),
  )
  if (!service) throw new ServiceNotFoundError(VOLUME_BINARY, host)
  const volumes = (await listVolumes(ctx.db)).filter(
    (v) => v.host !== null && hostMatches(v.host, service.host),
  )
  const onHost = new Set(volumes.map((v) => v.id))
  const snapshots = (await listSnapshots(ctx.db, {})).filter((s) => onHost.has(s.volumeId))
  const usage = (project: string, own: (p: string) => boolean): HostUsage => {
    const vols = volumes.filter((v) => own(v.projectId))
    const snaps = snapshots.filter((s) => own(s.projectId))
    return {
      project,
      volumeCount: vols.length,
      totalVolumeGb: vols.reduce((n, v) => n + v.size, 0),
      snapshotCount: snaps.length,
      totalSnapshotGb: snaps.reduce((n, s) => n + s.size, 0),
    }
  }
  const projects = [...new Set(volumes.map((v) => v.projectId))]
  return [usage('(total)', () => true), ...projects.map((p) => usage(p, (q) => q === p))]
}
