/** @module block-storage/service/attachments: the attach protocol, legacy actions and v3 attachments */
import {
  createAttachment,
  deleteAttachmentRow,
  getAttachment,
  listAttachments,
  updateAttachment,
  type Attachment,
} from '../db/attachments-repo.js'
import { RemoteError } from '../../core/bus/index.js'
import { getVolume, updateVolume, type Volume } from '../db/volumes-repo.js'
import {
  AttachmentNotFoundError,
  InvalidInputError,
  InvalidVolumeError,
  VolumeBackendError,
} from '../errors.js'
import { agentHostOf } from './backends.js'
import { recordFailure } from './messages.js'
import { timestamp, type BlockStorageContext, type Caller } from './context.js'
import { activeAttachments } from './volume-actions.js'
import { assertStatus, visibleVolume } from './volume-access.js'

/** `{driver_volume_type, data}` as Nova's virt drivers read it. */
export interface ConnectionInfo {
  driver_volume_type: string
  data: Record<string, unknown>
}

function attachable(v: Volume): string[] {
  return v.multiattach ? ['available', 'in-use', 'reserved', 'attaching'] : ['available']
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The holder of a connection made by the older actions, which name no attachment. */
function legacyHolder(connector: Record<string, unknown>): string {
  return `connector:${typeof connector['host'] === 'string' ? connector['host'] : ''}`
}

/**
 * Asks the volume's agent how `connector` reaches it, for `holder` (an attachment id); a failure
 * is also left as a user message on the volume.
 */
async function exportTo(
  ctx: BlockStorageContext,
  v: Volume,
  connector: Record<string, unknown>,
  use: { mode: string; holder: string; requestId: string },
): Promise<ConnectionInfo> {
  if (!v.host) throw new InvalidVolumeError(`Volume ${v.id} has no backend to connect to.`)
  const mode = use.mode
  const info = await ctx.agents
    .initializeConnection(agentHostOf(v.host), {
      id: v.id,
      connector,
      holder: use.holder,
      readOnly: mode === 'ro',
    })
    .catch(async (error: unknown) => {
      const host = typeof connector['host'] === 'string' ? connector['host'] : 'a host'
      await recordFailure(ctx, {
        projectId: v.projectId,
        requestId: use.requestId,
        resourceType: 'VOLUME',
        resourceId: v.id,
        event: 'attach',
        message: `Connecting the volume to ${host} failed: ${reason(error)}`,
      })
      // the backend refused this request (it is not broken): the caller's 400, as Cinder's
      // InvalidVolume
      if (error instanceof RemoteError && error.status === 400) {
        throw new InvalidVolumeError(error.remoteMessage)
      }
      throw new VolumeBackendError(`volume ${v.id} could not be connected: ${reason(error)}`)
    })
  return {
    driver_volume_type: info.driver_volume_type,
    data: { ...info.data, access_mode: mode, qos_specs: null, encrypted: false },
  }
}

function modeOf(v: Volume, requested?: string): string {
  if (v.adminMetadata['readonly'] === 'True') {
    if (requested === 'rw')
      throw new InvalidVolumeError(`Volume ${v.id} is read-only; it cannot be attached read-write.`)
    return 'ro'
  }
  if (requested !== undefined && requested !== 'rw' && requested !== 'ro')
    throw new InvalidInputError(`Invalid attach mode '${requested}': must be rw or ro.`)
  return requested ?? 'rw'
}

/**
 * Ends what the backend set up for `holder` (an NBD export's user); only attachments whose
 * connection is an export have anything to end, so the others need no agent.
 */
async function endConnection(
  ctx: BlockStorageContext,
  volumeId: string,
  holder: string,
  info?: Record<string, unknown> | null,
): Promise<void> {
  if (info !== undefined && info?.['driver_volume_type'] !== 'nbd') return
  const v = await getVolume(ctx.db, volumeId)
  if (!v?.host) return
  await ctx.agents
    .terminateConnection(agentHostOf(v.host), { id: volumeId, holder })
    .catch((error: unknown) => {
      throw new VolumeBackendError(
        `the connection of volume ${volumeId} could not be ended: ${reason(error)}`,
      )
    })
}

/** After attachments change: in-use while one is attached, else available. */
async function settle(ctx: BlockStorageContext, volumeId: string): Promise<void> {
  const left = await activeAttachments(ctx, volumeId)
  const attached = left.some((a) => a.attachStatus === 'attached')
  const pending = left.length > 0 && !attached
  await updateVolume(ctx.db, volumeId, {
    status: attached
      ? 'in-use'
      : pending
        ? left.some((a) => a.connector)
          ? 'attaching'
          : 'reserved'
        : 'available',
    attachStatus: attached ? 'attached' : pending ? 'attaching' : 'detached',
    updatedAt: timestamp(ctx),
  })
}

function newAttachment(
  ctx: BlockStorageContext,
  v: Volume,
  fields: Partial<Attachment>,
): Attachment {
  return {
    id: ctx.ids.uuid(),
    volumeId: v.id,
    projectId: v.projectId,
    instanceUuid: null,
    attachedHost: null,
    mountpoint: null,
    attachMode: 'rw',
    attachStatus: 'reserved',
    connector: null,
    connectionInfo: null,
    attachTime: null,
    detachTime: null,
    createdAt: timestamp(ctx),
    updatedAt: null,
    ...fields,
  }
}

// ---- the older actions Nova uses ----

export async function reserveVolume(ctx: BlockStorageContext, caller: Caller, id: string) {
  const v = await visibleVolume(ctx, caller, id)
  assertStatus(v, attachable(v), 'be reserved')
  await updateVolume(ctx.db, id, { status: 'attaching', updatedAt: timestamp(ctx) })
}

export async function unreserveVolume(ctx: BlockStorageContext, caller: Caller, id: string) {
  const v = await visibleVolume(ctx, caller, id)
  if (v.status !== 'attaching') return
  for (const a of await listAttachments(ctx.db, { volumeId: id }))
    if (a.attachStatus === 'reserved') await deleteAttachmentRow(ctx.db, a.id)
  await settle(ctx, id)
}

export async function initializeConnection(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  connector: Record<string, unknown>,
): Promise<ConnectionInfo> {
  const v = await visibleVolume(ctx, caller, id)
  assertStatus(v, ['available', 'attaching', 'reserved', 'in-use'], 'initialize a connection')
  const holder = legacyHolder(connector)
  return exportTo(ctx, v, connector, { mode: modeOf(v), holder, requestId: caller.requestId })
}

export async function terminateConnection(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  connector: Record<string, unknown>,
) {
  await visibleVolume(ctx, caller, id)
  await endConnection(ctx, id, legacyHolder(connector))
}

export async function attachVolume(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  input: { instanceUuid?: string; hostName?: string; mountpoint: string; mode?: string },
): Promise<void> {
  const v = await visibleVolume(ctx, caller, id)
  assertStatus(
    v,
    ['attaching', 'available', 'reserved', ...(v.multiattach ? ['in-use'] : [])],
    'attach',
  )
  if (!input.instanceUuid && !input.hostName)
    throw new InvalidVolumeError('Either instance_uuid or host_name must be given to attach.')
  const mode = modeOf(v, input.mode)
  const now = timestamp(ctx)
  const fields = {
    instanceUuid: input.instanceUuid ?? null,
    attachedHost: input.hostName ?? null,
    mountpoint: input.mountpoint,
    attachMode: mode,
    attachStatus: 'attached',
    attachTime: now,
    updatedAt: now,
  }
  const reserved = (await listAttachments(ctx.db, { volumeId: id })).find(
    (a) => a.attachStatus === 'reserved' || a.attachStatus === 'attaching',
  )
  if (reserved) await updateAttachment(ctx.db, reserved.id, fields)
  else await createAttachment(ctx.db, newAttachment(ctx, v, fields))
  await updateVolume(ctx.db, id, {
    adminMetadata: { ...v.adminMetadata, attached_mode: mode },
  })
  await settle(ctx, id)
}

export async function beginDetaching(ctx: BlockStorageContext, caller: Caller, id: string) {
  const v = await visibleVolume(ctx, caller, id)
  assertStatus(v, ['in-use'], 'begin detaching')
  await updateVolume(ctx.db, id, { status: 'detaching', updatedAt: timestamp(ctx) }, ['in-use'])
}

export async function rollDetaching(ctx: BlockStorageContext, caller: Caller, id: string) {
  const v = await visibleVolume(ctx, caller, id)
  if (v.status === 'detaching')
    await updateVolume(ctx.db, id, { status: 'in-use', updatedAt: timestamp(ctx) }, ['detaching'])
}

export async function detachVolume(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  options: { attachmentId?: string; force?: boolean } = {},
): Promise<void> {
  const { attachmentId } = options
  const v = await visibleVolume(ctx, caller, id)
  // As Cinder's, only maintenance refuses a detach: one of a volume with nothing (or not the
  // named attachment) attached makes it available again, as an admin's force detach does.
  if (!options.force && v.status === 'maintenance')
    throw new InvalidVolumeError('The volume cannot be detached in maintenance mode.')
  const active = await activeAttachments(ctx, id)
  const targets = attachmentId
    ? active.filter((a) => a.id === attachmentId)
    : options.force
      ? active
      : active.slice(0, 1)
  if (!attachmentId && active.length > 1 && !options.force)
    throw new InvalidVolumeError(`Volume ${id} has several attachments: name the attachment_id.`)
  for (const a of targets) {
    // a force detach cleans up even when the backend cannot end the connection
    const ended = endConnection(ctx, id, a.id, a.connectionInfo)
    await (options.force ? ended.catch(() => undefined) : ended)
    await deleteAttachmentRow(ctx.db, a.id)
  }
  await settle(ctx, id)
}

// ---- the v3 attachments API (3.27+) ----

export async function createAttachmentFor(
  ctx: BlockStorageContext,
  caller: Caller,
  input: {
    volumeId: string
    instanceUuid?: string
    connector?: Record<string, unknown>
    mode?: string
  },
): Promise<Attachment> {
  const v = await visibleVolume(ctx, caller, input.volumeId)
  assertStatus(v, attachable(v), 'be attached')
  const mode = modeOf(v, input.mode)
  const a = newAttachment(ctx, v, { instanceUuid: input.instanceUuid ?? null, attachMode: mode })
  if (input.connector) {
    a.connector = input.connector
    const use = { mode, holder: a.id, requestId: caller.requestId }
    a.connectionInfo = { ...(await exportTo(ctx, v, input.connector, use)) }
    a.attachStatus = 'attaching'
    a.attachedHost = typeof input.connector['host'] === 'string' ? input.connector['host'] : null
    a.mountpoint =
      typeof input.connector['mountpoint'] === 'string' ? input.connector['mountpoint'] : null
  }
  await createAttachment(ctx.db, a)
  await settle(ctx, v.id)
  return a
}

export async function visibleAttachment(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
): Promise<Attachment> {
  const a = await getAttachment(ctx.db, id)
  if (!a || (!caller.isAdmin && a.projectId !== caller.projectId))
    throw new AttachmentNotFoundError(id)
  return a
}

export async function listVisibleAttachments(
  ctx: BlockStorageContext,
  caller: Caller,
  filter: { volumeId?: string; instanceId?: string; allTenants?: boolean },
): Promise<Attachment[]> {
  const scope = caller.isAdmin && filter.allTenants ? {} : { projectId: caller.projectId }
  let items = await listAttachments(ctx.db, {
    ...scope,
    ...(filter.volumeId ? { volumeId: filter.volumeId } : {}),
  })
  if (filter.instanceId) items = items.filter((a) => a.instanceUuid === filter.instanceId)
  return items
}

export async function updateAttachmentConnector(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  connector: Record<string, unknown>,
): Promise<Attachment> {
  const a = await visibleAttachment(ctx, caller, id)
  const v = await getVolume(ctx.db, a.volumeId)
  if (!v) throw new AttachmentNotFoundError(id)
  const use = { mode: a.attachMode, holder: id, requestId: caller.requestId }
  const connectionInfo = await exportTo(ctx, v, connector, use)
  await updateAttachment(ctx.db, id, {
    connector,
    connectionInfo: { ...connectionInfo },
    attachStatus: a.attachStatus === 'attached' ? 'attached' : 'attaching',
    attachedHost: typeof connector['host'] === 'string' ? connector['host'] : a.attachedHost,
    mountpoint:
      typeof connector['mountpoint'] === 'string' ? connector['mountpoint'] : a.mountpoint,
    updatedAt: timestamp(ctx),
  })
  await settle(ctx, v.id)
  return visibleAttachment(ctx, caller, id)
}

export async function completeAttachment(ctx: BlockStorageContext, caller: Caller, id: string) {
  const a = await visibleAttachment(ctx, caller, id)
  if (!a.connector)
    throw new InvalidVolumeError(`Attachment ${id} has no connector yet; update it with one first.`)
  const now = timestamp(ctx)
  await updateAttachment(ctx.db, id, { attachStatus: 'attached', attachTime: now, updatedAt: now })
  const v = await getVolume(ctx.db, a.volumeId)
  if (v)
    await updateVolume(ctx.db, v.id, {
      adminMetadata: { ...v.adminMetadata, attached_mode: a.attachMode },
    })
  await settle(ctx, a.volumeId)
}

export async function deleteAttachment(ctx: BlockStorageContext, caller: Caller, id: string) {
  const a = await visibleAttachment(ctx, caller, id)
  await endConnection(ctx, a.volumeId, id, a.connectionInfo)
  await deleteAttachmentRow(ctx.db, id)
  await settle(ctx, a.volumeId)
}
