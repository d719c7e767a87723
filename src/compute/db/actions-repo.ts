/** @module compute/db/actions-repo: instance actions with their events, and server groups */
import { parseJsonColumn } from '../../core/db/index.js'
import type { InstanceAction, InstanceActionEvent, ServerGroup } from '../model/flavor.js'
import type { Db } from './instances-repo.js'

export async function createAction(db: Db, a: InstanceAction): Promise<void> {
  await db
    .insertInto('instance_action')
    .values({
      id: a.id,
      request_id: a.requestId,
      instance_uuid: a.instanceUuid,
      action: a.action,
      project_id: a.projectId,
      user_id: a.userId,
      start_time: a.startTime,
      finish_time: a.finishTime,
      message: a.message,
      updated_at: a.updatedAt,
    })
    .execute()
}

function actionFrom(r: {
  id: string
  request_id: string
  instance_uuid: string
  action: string
  project_id: string
  user_id: string
  start_time: string
  finish_time: string | null
  message: string | null
  updated_at: string
}): InstanceAction {
  return {
    id: r.id,
    requestId: r.request_id,
    instanceUuid: r.instance_uuid,
    action: r.action,
    projectId: r.project_id,
    userId: r.user_id,
    startTime: r.start_time,
    finishTime: r.finish_time,
    message: r.message,
    updatedAt: r.updated_at,
  }
}

export async function listActions(db: Db, instanceUuid: string): Promise<InstanceAction[]> {
  const rows = await db
    .selectFrom('instance_action')
    .selectAll()
    .where('instance_uuid', '=', instanceUuid)
    .orderBy('start_time', 'desc')
    .execute()
  return rows.map(actionFrom)
}

export async function getActionByRequest(db: Db, instanceUuid: string, requestId: string) {
  const r = await db
    .selectFrom('instance_action')
    .selectAll()
    .where('instance_uuid', '=', instanceUuid)
    .where('request_id', '=', requestId)
    .executeTakeFirst()
  return r && actionFrom(r)
}

export async function getAction(db: Db, id: string) {
  const r = await db
    .selectFrom('instance_action')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst()
  return r && actionFrom(r)
}

export async function finishAction(db: Db, id: string, at: string, message: string | null) {
  await db
    .updateTable('instance_action')
    .set({ finish_time: at, updated_at: at, ...(message ? { message } : {}) })
    .where('id', '=', id)
    .execute()
}

export async function createEvent(db: Db, e: InstanceActionEvent): Promise<void> {
  await db
    .insertInto('instance_action_event')
    .values({
      id: e.id,
      action_id: e.actionId,
      event: e.event,
      start_time: e.startTime,
      finish_time: e.finishTime,
      result: e.result,
      traceback: e.traceback,
      host: e.host,
    })
    .execute()
}

export async function finishEvent(
  db: Db,
  actionId: string,
  event: string,
  done: { at: string; result: string; traceback: string | null },
) {
  await db
    .updateTable('instance_action_event')
    .set({ finish_time: done.at, result: done.result, traceback: done.traceback })
    .where('action_id', '=', actionId)
    .where('event', '=', event)
    .where('finish_time', 'is', null)
    .execute()
}

export async function listEvents(db: Db, actionId: string): Promise<InstanceActionEvent[]> {
  const rows = await db
    .selectFrom('instance_action_event')
    .selectAll()
    .where('action_id', '=', actionId)
    .orderBy('start_time')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    actionId: r.action_id,
    event: r.event,
    startTime: r.start_time,
    finishTime: r.finish_time,
    result: r.result,
    traceback: r.traceback,
    host: r.host,
  }))
}

export async function createGroup(db: Db, g: ServerGroup): Promise<void> {
  await db
    .insertInto('server_group')
    .values({
      uuid: g.uuid,
      name: g.name,
      project_id: g.projectId,
      user_id: g.userId,
      policy: g.policy,
      rules: JSON.stringify(g.rules),
      created_at: g.createdAt,
    })
    .execute()
}

export async function listGroups(db: Db, projectId?: string): Promise<ServerGroup[]> {
  let q = db.selectFrom('server_group').selectAll().orderBy('created_at')
  if (projectId !== undefined) q = q.where('project_id', '=', projectId)
  const rows = await q.execute()
  const members = await db.selectFrom('server_group_member').selectAll().execute()
  return rows.map((r) => ({
    uuid: r.uuid,
    name: r.name,
    projectId: r.project_id,
    userId: r.user_id,
    policy: r.policy,
    rules: parseJsonColumn(r.rules, {}),
    createdAt: r.created_at,
    members: members.filter((m) => m.group_uuid === r.uuid).map((m) => m.instance_uuid),
  }))
}

export async function getGroup(db: Db, uuid: string): Promise<ServerGroup | undefined> {
  return (await listGroups(db)).find((g) => g.uuid === uuid)
}

export async function deleteGroup(db: Db, uuid: string): Promise<void> {
  await db.deleteFrom('server_group_member').where('group_uuid', '=', uuid).execute()
  await db.deleteFrom('server_group').where('uuid', '=', uuid).execute()
}

export async function addGroupMember(db: Db, group: string, instance: string): Promise<void> {
  await db
    .insertInto('server_group_member')
    .values({ group_uuid: group, instance_uuid: instance })
    .execute()
}
