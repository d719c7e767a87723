/** @module block-storage/service/messages: user messages explaining failed operations (3.3+) */
import { createMessage, deleteMessage, listMessages, type Message } from '../db/records-repo.js'
import { MessageNotFoundError } from '../errors.js'
import { timestamp, type BlockStorageContext, type Caller } from './context.js'

/** Messages stay readable for 30 days, as Cinder's default `message_ttl`. */
const TTL_MS = 30 * 24 * 3600 * 1000

/** Cinder's event ids for the operations that can fail in the backend. */
export const MESSAGE_EVENTS = {
  schedule: 'VOLUME_VOLUME_001_002',
  createVolume: 'VOLUME_VOLUME_001_003',
  deleteVolume: 'VOLUME_VOLUME_001_004',
  extendVolume: 'VOLUME_VOLUME_001_005',
  createSnapshot: 'VOLUME_SNAPSHOT_001_006',
  deleteSnapshot: 'VOLUME_SNAPSHOT_001_007',
  uploadImage: 'VOLUME_VOLUME_001_008',
  attach: 'VOLUME_VOLUME_001_009',
  interrupted: 'VOLUME_VOLUME_001_010',
} as const

/** Records why an operation on a resource failed, for its owner to read. */
export async function recordFailure(
  ctx: BlockStorageContext,
  m: {
    projectId: string
    requestId: string
    resourceType: 'VOLUME' | 'VOLUME_SNAPSHOT'
    resourceId: string
    event: keyof typeof MESSAGE_EVENTS
    message: string
  },
): Promise<void> {
  const now = ctx.clock.now()
  await createMessage(ctx.db, {
    id: ctx.ids.uuid(),
    project_id: m.projectId,
    request_id: m.requestId,
    resource_type: m.resourceType,
    resource_uuid: m.resourceId,
    event_id: MESSAGE_EVENTS[m.event],
    message_level: 'ERROR',
    user_message: m.message,
    created_at: new Date(now).toISOString(),
    expires_at: new Date(now + TTL_MS).toISOString(),
  })
}

export async function messagesOf(ctx: BlockStorageContext, caller: Caller): Promise<Message[]> {
  const now = timestamp(ctx)
  const all = await listMessages(ctx.db, caller.isAdmin ? undefined : caller.projectId)
  return all.filter((m) => m.expires_at > now)
}

export async function getMessage(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
): Promise<Message> {
  const found = (await messagesOf(ctx, caller)).find((m) => m.id === id)
  if (!found) throw new MessageNotFoundError(id)
  return found
}

export async function removeMessage(ctx: BlockStorageContext, caller: Caller, id: string) {
  await getMessage(ctx, caller, id)
  await deleteMessage(ctx.db, id)
}
