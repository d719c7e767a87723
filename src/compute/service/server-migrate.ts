/** @module compute/service/server-migrate: cold migration and evacuation (admin) */
import { listServices } from '../db/catalog-repo.js'
import { createMigration } from '../db/migrations-repo.js'
import {
  ComputeHostNotFoundError,
  ComputeServiceInUseError,
  ComputeValidationError,
  InstanceInvalidStateError,
} from '../errors.js'
import { SERVICE_DOWN_SECONDS } from '../model/host-provider.js'
import { now, type Caller, type ComputeContext } from './context.js'
import { startAction } from './instance-records.js'
import { assertState, assertUnlocked, findServer, transition } from './server-access.js'

async function computeService(ctx: ComputeContext, host: string) {
  const services = await listServices(ctx.db)
  return services.find((s) => s.binary === 'nova-compute' && s.host === host)
}

/** Whether a host's compute service is up: not forced down and heard from recently. */
async function serviceUp(ctx: ComputeContext, host: string): Promise<boolean> {
  const s = await computeService(ctx, host)
  if (!s) return false
  const age = ctx.clock.now() - Date.parse(s.last_seen_at)
  return Number(s.forced_down) === 0 && age < SERVICE_DOWN_SECONDS * 1000
}

/**
 * Moves a server to another host with its own flavor, ending in VERIFY_RESIZE as a resize
 * does (Nova's `migrate`); `host` (2.56+) names the destination, else the scheduler picks.
 */
export async function migrateServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  host: string | null,
): Promise<void> {
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  assertState(instance, 'migrate', { vm: ['active', 'stopped'] })
  if (!instance.host) throw new InstanceInvalidStateError(uuid, 'host', 'none', 'migrate')
  if (host !== null) {
    if (!(await computeService(ctx, host))) {
      throw new ComputeValidationError(`Compute host ${host} could not be found.`)
    }
    if (host === instance.host) {
      throw new ComputeValidationError('Cannot migrate to the host where the server exists.')
    }
  }
  await transition(
    ctx,
    instance,
    'migrate',
    { taskState: 'resize_prep', newFlavor: instance.flavor },
    { taskState: [null] },
  )
  await startAction(ctx, ctx.db, { uuid, action: 'migrate', ...caller })
  await ctx.conductor.resizeInstance({ uuid, requestId: caller.requestId, kind: 'migration', host })
}

/**
 * Moves a running (or paused) server to another host without stopping it (Nova's
 * `os-migrateLive`); `host` names the destination, else the scheduler picks.
 */
export async function liveMigrateServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  host: string | null,
): Promise<void> {
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  assertState(instance, 'os-migrateLive', { vm: ['active', 'paused'] })
  const source = instance.host
  if (!source) throw new InstanceInvalidStateError(uuid, 'host', 'none', 'os-migrateLive')
  if (host !== null) {
    if (!(await computeService(ctx, host))) {
      throw new ComputeValidationError(`Compute host ${host} could not be found.`)
    }
    if (host === source) {
      throw new ComputeValidationError(
        `Unable to migrate instance (${uuid}) to current host (${source}).`,
      )
    }
  }
  await transition(
    ctx,
    instance,
    'os-migrateLive',
    { taskState: 'migrating' },
    { taskState: [null] },
  )
  const migrationId = ctx.ids.uuid()
  await createMigration(ctx.db, {
    uuid: migrationId,
    instanceUuid: uuid,
    migrationType: 'live-migration',
    status: 'accepted',
    sourceCompute: source,
    sourceNode: instance.node,
    destCompute: null,
    destNode: null,
    destHost: null,
    oldFlavorId: instance.flavor.flavorid,
    newFlavorId: instance.flavor.flavorid,
    projectId: instance.projectId,
    userId: instance.userId,
    createdAt: now(ctx),
  })
  await startAction(ctx, ctx.db, { uuid, action: 'live-migration', ...caller })
  await ctx.conductor.liveMigrateInstance({ uuid, requestId: caller.requestId, migrationId, host })
}

/**
 * Rebuilds a server on another host because its own host's compute service is down (or forced
 * down): the guest is recreated from its image with the same ports (Nova's `evacuate`).
 */
export async function evacuateServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  host: string | null,
): Promise<void> {
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  assertState(instance, 'evacuate', { vm: ['active', 'stopped', 'error'] })
  const source = instance.host
  if (!source) throw new InstanceInvalidStateError(uuid, 'host', 'none', 'evacuate')
  if (host !== null) {
    if (!(await computeService(ctx, host))) throw new ComputeHostNotFoundError(host)
    if (host === source) throw new ComputeValidationError("The target host can't be the same one.")
  }
  if (await serviceUp(ctx, source)) throw new ComputeServiceInUseError(source)
  await transition(ctx, instance, 'evacuate', { taskState: 'rebuilding' }, { taskState: [null] })
  const migrationId = ctx.ids.uuid()
  await createMigration(ctx.db, {
    uuid: migrationId,
    instanceUuid: uuid,
    migrationType: 'evacuation',
    status: 'accepted',
    sourceCompute: source,
    sourceNode: instance.node,
    destCompute: null,
    destNode: null,
    destHost: null,
    oldFlavorId: instance.flavor.flavorid,
    newFlavorId: instance.flavor.flavorid,
    projectId: instance.projectId,
    userId: instance.userId,
    createdAt: now(ctx),
  })
  await startAction(ctx, ctx.db, { uuid, action: 'evacuate', ...caller })
  await ctx.conductor.evacuateInstance({ uuid, requestId: caller.requestId, migrationId, host })
}
