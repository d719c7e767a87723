/** @module compute/service/instance-records: faults and instance actions written beside a state change */
import { addFault } from '../db/instances-repo.js'
import {
  createAction,
  createEvent,
  finishAction,
  finishEvent,
  getActionByRequest,
} from '../db/actions-repo.js'
import type { Db } from '../db/instances-repo.js'
import { now, type ComputeContext } from './context.js'

/** Action times keep milliseconds so actions of one second still sort in order. */
function actionTime(ctx: { clock: { now(): number } }): string {
  return new Date(ctx.clock.now()).toISOString()
}

/** Leaves a fault on a server: what failed, for the user to read in `fault`. */
export async function recordFault(
  ctx: Pick<ComputeContext, 'clock' | 'ids'> & { db: Db },
  uuid: string,
  fault: { code: number; message: string; details: string; host: string | null },
): Promise<void> {
  await addFault(ctx.db, { ...fault, id: ctx.ids.uuid(), instanceUuid: uuid, createdAt: now(ctx) })
}

/** Starts an instance action (`create`, `reboot`...) for a request. */
export async function startAction(
  ctx: Pick<ComputeContext, 'clock' | 'ids'>,
  db: Db,
  input: { uuid: string; action: string; requestId: string; userId: string; projectId: string },
): Promise<void> {
  const at = actionTime(ctx)
  await createAction(db, {
    id: ctx.ids.uuid(),
    requestId: input.requestId,
    instanceUuid: input.uuid,
    action: input.action,
    projectId: input.projectId,
    userId: input.userId,
    startTime: at,
    finishTime: null,
    message: null,
    updatedAt: at,
  })
}

/** Records an event of the request's action; returns false when there is no such action. */
export async function recordEvent(
  ctx: Pick<ComputeContext, 'clock' | 'ids'> & { db: Db },
  input: {
    uuid: string
    requestId: string
    event: string
    phase: 'start' | 'finish'
    result?: string
    traceback?: string
    host: string | null
  },
): Promise<boolean> {
  const action = await getActionByRequest(ctx.db, input.uuid, input.requestId)
  if (!action) return false
  const at = actionTime(ctx)
  if (input.phase === 'start') {
    await createEvent(ctx.db, {
      id: ctx.ids.uuid(),
      actionId: action.id,
      event: input.event,
      startTime: at,
      finishTime: null,
      result: null,
      traceback: null,
      host: input.host,
    })
    return true
  }
  await finishEvent(ctx.db, action.id, input.event, {
    at,
    result: input.result ?? 'Success',
    traceback: input.traceback ?? null,
  })
  await finishAction(ctx.db, action.id, at, input.result === 'Error' ? 'Error' : null)
  return true
}
