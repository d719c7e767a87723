/** @module compute/conductor/build-flow: schedule, claim, wire ports and hand a server to its agent */
import { RemoteError } from '../../core/bus/index.js'
import { Reverter } from '../../core/tasks/index.js'
import { getInstance, updateInstance } from '../db/instances-repo.js'
import type { Instance } from '../model/instance.js'
import { guestSpecOf } from '../rpc/guest-spec.js'
import type { BuildFailure } from '../rpc/payloads.js'
import { DEFAULT_AVAILABILITY_ZONE } from '../model/host-provider.js'
import { hostZones } from '../service/aggregates.js'
import { now } from '../service/context.js'
import { withConfigDrive } from '../service/instance-metadata.js'
import { recordEvent, recordFault } from '../service/instance-records.js'
import type { ConductorContext } from './conductor-context.js'
import { allocatePorts, releasePorts } from './port-setup.js'
import { connectVolumes } from './volume-setup.js'

const EVENT = 'conductor_schedule_and_build_instances'

/** Another flow moved the server on (a delete, a recovery): this one steps back without a fault. */
function superseded(what: string): Error {
  return Object.assign(new Error(what), { superseded: true })
}

function messageOf(error: unknown): string {
  if (error instanceof RemoteError) return error.message
  return error instanceof Error ? error.message : String(error)
}

/** Puts a server in ERROR with a fault, finishing the build's event with the reason. */
async function failBuild(
  ctx: ConductorContext,
  instance: Instance,
  requestId: string,
  failure: { message: string; details: string; host: string | null },
): Promise<void> {
  const updated = await updateInstance(
    ctx.db,
    instance.uuid,
    { vmState: 'error', taskState: null, updatedAt: now(ctx) },
    { vmState: ['building'] },
  )
  if (!updated) return
  await recordFault(ctx, instance.uuid, { code: 500, ...failure })
  await recordEvent(ctx, {
    uuid: instance.uuid,
    requestId,
    event: EVENT,
    phase: 'finish',
    result: 'Error',
    traceback: failure.details,
    host: failure.host,
  })
}

/**
 * Builds the servers of one create: in parallel, but one after another when they share a server
 * group, so each is scheduled knowing where the ones before it went (anti-affinity, affinity).
 */
export async function buildAll(
  ctx: ConductorContext,
  uuids: readonly string[],
  requestId: string,
  authToken?: string,
): Promise<void> {
  const first = uuids[0] === undefined ? undefined : await getInstance(ctx.db, uuids[0])
  if (uuids.length > 1 && first?.requestSpec.groupId) {
    for (const uuid of uuids) await buildInstance(ctx, uuid, requestId, authToken)
    return
  }
  await Promise.all(uuids.map((uuid) => buildInstance(ctx, uuid, requestId, authToken)))
}

/** Runs the build of one server from `scheduling` to the cast to its agent. */
export async function buildInstance(
  ctx: ConductorContext,
  uuid: string,
  requestId: string,
  authToken?: string,
): Promise<void> {
  const instance = await getInstance(ctx.db, uuid)
  if (!instance || instance.deleted || instance.taskState !== 'scheduling') return
  await recordEvent(ctx, { uuid, requestId, event: EVENT, phase: 'start', host: null })
  const revert = new Reverter()
  try {
    const dest = await ctx.scheduler.selectDestination({
      instance: {
        uuid,
        projectId: instance.projectId,
        userId: instance.userId,
        availabilityZone: instance.availabilityZone,
        flavor: instance.flavor,
      },
      excludeHosts: instance.requestSpec.triedHosts,
      groupId: instance.requestSpec.groupId,
      ...(instance.requestSpec.forcedHost ? { allowHosts: [instance.requestSpec.forcedHost] } : {}),
    })
    revert.add(() => ctx.placement.release(uuid), 'release allocations')
    const placed = await updateInstance(
      ctx.db,
      uuid,
      {
        host: dest.host,
        node: dest.node,
        availabilityZone: (await hostZones(ctx.db)).get(dest.host) ?? DEFAULT_AVAILABILITY_ZONE,
        taskState: 'networking',
        updatedAt: now(ctx),
      },
      { taskState: ['scheduling'] },
    )
    if (!placed) throw superseded('the server changed while it was scheduled')
    const vifs = await allocatePorts(ctx, placed, dest.host, revert)
    const ready = await updateInstance(
      ctx.db,
      uuid,
      { networkInfo: vifs, taskState: 'block_device_mapping', updatedAt: now(ctx) },
      { taskState: ['networking'] },
    )
    if (!ready) throw superseded('the server changed while its ports were created')
    const connected = await connectVolumes(ctx, ready, dest.host, { authToken, revert })
    await recordEvent(ctx, {
      uuid,
      requestId,
      event: EVENT,
      phase: 'finish',
      result: 'Success',
      host: dest.host,
    })
    const waitFor = ready.networkInfo.filter((v) => v.active === false).map((v) => v.portId)
    await ctx.agents.buildAndRunInstance(dest.host, {
      requestId,
      spec: await withConfigDrive(ctx, ready, { ...guestSpecOf(ready), ...connected }),
      vifWait: {
        ports: waitFor,
        timeoutSeconds: ctx.config.vifPluggingTimeout,
        fatal: ctx.config.vifPluggingIsFatal,
      },
    })
    revert.success()
  } catch (error) {
    await revert.fail()
    if ((error as { superseded?: boolean }).superseded) return
    const fresh = await getInstance(ctx.db, uuid)
    if (fresh && !fresh.deleted) {
      await updateInstance(ctx.db, uuid, { host: null, node: null, networkInfo: [] })
      await failBuild(ctx, fresh, requestId, {
        message: messageOf(error),
        details: error instanceof Error ? (error.stack ?? messageOf(error)) : messageOf(error),
        host: null,
      })
    }
  }
}

/** An agent failed to spawn: release its ports and claim, then retry elsewhere or give up. */
export async function handleBuildFailure(ctx: ConductorContext, f: BuildFailure): Promise<void> {
  const instance = await getInstance(ctx.db, f.uuid)
  if (!instance || instance.deleted) return
  await releasePorts(ctx, instance.networkInfo)
  await ctx.placement.release(f.uuid)
  const spec = {
    ...instance.requestSpec,
    triedHosts: [...instance.requestSpec.triedHosts, f.host],
    attempts: instance.requestSpec.attempts + 1,
  }
  const base = { requestSpec: spec, host: null, node: null, networkInfo: [], updatedAt: now(ctx) }
  if (f.abort || spec.attempts >= ctx.config.buildAttempts) {
    await updateInstance(ctx.db, f.uuid, base)
    await failBuild(ctx, instance, f.requestId, {
      message: f.abort
        ? f.message
        : `Build of instance ${f.uuid} aborted after ${spec.attempts} attempt(s): ${f.message}`,
      details: f.details,
      host: f.host,
    })
    return
  }
  const again = await updateInstance(
    ctx.db,
    f.uuid,
    { ...base, taskState: 'scheduling' },
    { vmState: ['building'] },
  )
  if (again) await buildInstance(ctx, f.uuid, f.requestId)
}
