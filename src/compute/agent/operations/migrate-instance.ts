/** @module compute/agent/operations/migrate-instance: the source and destination steps of a cold migration */
import type { MigrateRequest, TerminateRequest } from '../../rpc/payloads.js'
import { asEvent, failOperation, type AgentContext } from '../agent-context.js'
import { awaitMoveVifs, faultOf } from '../vif-wait.js'

/**
 * The server errs with the reason as its fault, the migration errs, and the allocation the
 * migration held (the source's) is the server's again; `back` also hands it (its ports and
 * volume attachments) to the source.
 */
async function failMigration(
  ctx: AgentContext,
  r: MigrateRequest,
  error: unknown,
  back = false,
): Promise<void> {
  await failOperation(ctx, r.uuid, error)
  if (back) await ctx.conductor.instanceMoved({ uuid: r.uuid, host: r.sourceHost, taskState: null })
  await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: { vmState: 'error' },
    migration: { uuid: r.migrationId, status: 'error' },
    revertClaims: true,
    fault: faultOf(error),
  })
}

/**
 * Whether the migration is still where this step expects it: a step that arrives late (its
 * host was down, and a restart's recovery has rolled the move back) must not touch the guest.
 */
async function stillMoving(
  ctx: AgentContext,
  r: MigrateRequest,
  task: 'resize_migrating' | 'resize_migrated',
  status: string,
): Promise<boolean> {
  const found = await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: {},
    expectTaskState: [task],
    migration: { uuid: r.migrationId, status, expect: [status] },
  })
  if (!found) ctx.logger.warn({ uuid: r.uuid }, `migration ${r.migrationId} is no longer ${status}`)
  return Boolean(found)
}

/** Source: powers the guest off (it stays until confirm), then hands over to the destination. */
export async function migrateInstance(ctx: AgentContext, r: MigrateRequest): Promise<void> {
  if (!(await stillMoving(ctx, r, 'resize_migrating', 'migrating'))) return
  try {
    await asEvent(ctx, r, 'compute_resize_instance', () => ctx.driver.powerOff(r.uuid))
  } catch (error) {
    // handed back, though it never left: its volumes were already given the destination
    await failMigration(ctx, r, error, true)
    return
  }
  const moved = await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: { taskState: 'resize_migrated' },
    expectTaskState: ['resize_migrating'],
    migration: { uuid: r.migrationId, status: 'post-migrating' },
  })
  if (moved) await ctx.agents.finishMigration(r.destHost, r)
}

/** Destination: takes the server over, creates its guest, and leaves it in VERIFY_RESIZE. */
export async function finishMigration(ctx: AgentContext, r: MigrateRequest): Promise<void> {
  if (!(await stillMoving(ctx, r, 'resize_migrated', 'post-migrating'))) return
  try {
    await asEvent(ctx, r, 'compute_finish_resize', async () => {
      const moved = await ctx.conductor.instanceMoved({
        uuid: r.uuid,
        host: ctx.host,
        taskState: 'resize_finish',
      })
      await ctx.driver.spawn(r.spec)
      await awaitMoveVifs(ctx, r.uuid, moved?.vifWait)
      if (r.stopped) await ctx.driver.powerOff(r.uuid)
    })
  } catch (error) {
    await ctx.driver.destroy(r.uuid)
    await failMigration(ctx, r, error, true)
    return
  }
  await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: {
      vmState: 'resized',
      taskState: null,
      powerState: await ctx.driver.powerState(r.uuid),
      newFlavorToCurrent: true,
    },
    expectTaskState: ['resize_finish'],
    migration: { uuid: r.migrationId, status: 'finished' },
  })
}

/** Destination of a revert: drops its guest, then hands the server back to the source. */
export async function revertMigration(ctx: AgentContext, r: MigrateRequest): Promise<void> {
  try {
    await asEvent(ctx, r, 'compute_revert_resize', () => ctx.driver.destroy(r.uuid))
  } catch (error) {
    await failMigration(ctx, r, error)
    return
  }
  await ctx.agents.finishRevertMigration(r.sourceHost, r)
}

/** Source of a revert: takes the server back and powers its kept guest on again. */
export async function finishRevertMigration(ctx: AgentContext, r: MigrateRequest): Promise<void> {
  try {
    await asEvent(ctx, r, 'compute_finish_revert_resize', async () => {
      await ctx.conductor.instanceMoved({
        uuid: r.uuid,
        host: ctx.host,
        taskState: 'resize_reverting',
      })
      if (!r.stopped) await ctx.driver.powerOn(r.uuid)
    })
  } catch (error) {
    await failMigration(ctx, r, error)
    return
  }
  await ctx.conductor.instanceUpdate({
    uuid: r.uuid,
    changes: {
      vmState: r.stopped ? 'stopped' : 'active',
      taskState: null,
      powerState: await ctx.driver.powerState(r.uuid),
      oldFlavorToCurrent: true,
    },
    expectTaskState: ['resize_reverting'],
    migration: { uuid: r.migrationId, status: 'reverted' },
  })
}

/** Source of a confirmed migration: the guest left behind goes. */
export async function confirmMigration(ctx: AgentContext, r: TerminateRequest): Promise<void> {
  await asEvent(ctx, r, 'compute_confirm_resize', () => ctx.driver.destroy(r.uuid))
}
