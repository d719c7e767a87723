/** @module compute/service/server-volumes: attach, detach and list a server's volumes (os-volume_attachments) */
import { ServiceCallError } from '../../clients/errors.js'
import type { VolumeInfo } from '../../clients/volume-client.js'
import { ConflictError } from '../../core/errors/index.js'
import {
  createBlockDevice,
  deleteBlockDevice,
  hostCapabilities,
  listBlockDevices,
  updateBlockDevice,
} from '../db/block-devices-repo.js'
import {
  ComputeValidationError,
  VolumeAttachUnsupportedError,
  VolumeNotAttachedError,
  VolumeNotFoundError,
} from '../errors.js'
import { isVolume, nextDeviceName, type BlockDevice } from '../model/block-device.js'
import { localDeviceNames } from '../rpc/guest-spec.js'
import type { Instance, VmState } from '../model/instance.js'
import { now, type Caller, type ComputeContext } from './context.js'
import { startAction } from './instance-records.js'
import { assertState, assertUnlocked, findServer } from './server-access.js'

/** Nova's states for attach and detach (check_instance_state of attach_volume/detach_volume). */
const VOLUME_STATES: readonly VmState[] = [
  'active',
  'paused',
  'stopped',
  'resized',
  'soft-delete',
  'shelved',
  'shelved_offloaded',
]

/** A caller with the token block storage is called with, as Nova calls Cinder for the user. */
export interface VolumeCaller extends Caller {
  token: string
}

/** Block storage's answer to a refused call, without the client's prefix. */
export function refusal(error: unknown): string | undefined {
  if (!(error instanceof ServiceCallError) || error.status >= 500) return undefined
  return error.message.replace(/^\S+ answered \d+: /, '')
}

/** The server's volume mappings, boot volume first. */
export async function volumeMappings(
  ctx: ComputeContext,
  instance: Instance,
): Promise<BlockDevice[]> {
  const all = await listBlockDevices(ctx.db, [instance.uuid])
  return all
    .filter((d) => isVolume(d) && d.volumeId !== null)
    .sort((a, b) => (a.bootIndex === 0 ? -1 : b.bootIndex === 0 ? 1 : 0))
}

export async function listVolumeAttachments(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
): Promise<BlockDevice[]> {
  return volumeMappings(ctx, await findServer(ctx, caller, uuid))
}

export async function showVolumeAttachment(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  volumeId: string,
): Promise<BlockDevice> {
  const found = (await listVolumeAttachments(ctx, caller, uuid)).find(
    (d) => d.volumeId === volumeId,
  )
  if (!found) throw new VolumeNotAttachedError(uuid, volumeId)
  return found
}

/** 409 unless the server's host has a driver that plugs volumes (checked before any reservation). */
async function assertHostAttaches(ctx: ComputeContext, instance: Instance, action: string) {
  if (!instance.host) return
  if (!(await hostCapabilities(ctx.db, instance.host)).has('volumeAttach')) {
    throw new VolumeAttachUnsupportedError(action, instance.uuid, instance.host)
  }
}

async function visibleVolume(
  ctx: ComputeContext,
  caller: VolumeCaller,
  volumeId: string,
): Promise<VolumeInfo> {
  const volume = await ctx.volumesFor(caller.projectId, caller.token).getVolume(volumeId)
  if (!volume) throw new VolumeNotFoundError(volumeId)
  return volume
}

export interface AttachInput {
  volumeId: string
  device?: string | null
  tag?: string
  deleteOnTermination?: boolean
}

/**
 * Reserves the volume for the server (a v3 attachment without connector), records the mapping
 * and has the server's agent connect and plug it; the volume goes `in-use` when that is done.
 */
export async function attachVolume(
  ctx: ComputeContext,
  caller: VolumeCaller,
  uuid: string,
  input: AttachInput,
): Promise<BlockDevice> {
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  assertState(instance, 'attach_volume', { vm: VOLUME_STATES })
  if (!instance.host) {
    throw new ConflictError(
      `Cannot 'attach_volume' instance ${uuid}: the server has no host (it is shelved offloaded).`,
    )
  }
  await assertHostAttaches(ctx, instance, 'attach_volume')
  const mappings = await listBlockDevices(ctx.db, [uuid])
  if (mappings.some((d) => d.volumeId === input.volumeId)) {
    throw new ComputeValidationError(
      `Invalid volume: volume ${input.volumeId} already attached to instance ${uuid}.`,
    )
  }
  const volume = await visibleVolume(ctx, caller, input.volumeId)
  const shareable = volume.multiattach && volume.status === 'in-use'
  if (volume.status !== 'available' && !shareable) {
    throw new ComputeValidationError(
      `Invalid volume: volume '${volume.id}' status must be 'available'. Currently in '${volume.status}'`,
    )
  }
  const local = localDeviceNames(instance)
  const used = [...mappings.map((d) => d.deviceName), ...local.ephemerals, local.swap ?? null]
  const device = input.device && !used.includes(input.device) ? input.device : nextDeviceName(used)
  const volumes = ctx.volumesFor(caller.projectId, caller.token)
  const attachment = await volumes
    .createAttachment({ volumeId: volume.id, instanceUuid: uuid })
    .catch((error: unknown) => {
      const why = refusal(error)
      throw why ? new ComputeValidationError(`Invalid volume: ${why}`) : error
    })
  const at = now(ctx)
  const bdm: BlockDevice = {
    uuid: ctx.ids.uuid(),
    instanceUuid: uuid,
    sourceType: 'volume',
    destinationType: 'volume',
    deviceName: device,
    bootIndex: null,
    volumeId: volume.id,
    attachmentId: attachment.id,
    imageId: null,
    snapshotId: null,
    volumeSize: volume.size,
    volumeType: null,
    deleteOnTermination: input.deleteOnTermination ?? false,
    tag: input.tag ?? null,
    createdAt: at,
    updatedAt: at,
  }
  try {
    await ctx.db.transaction().execute(async (tx) => {
      await createBlockDevice(tx, bdm)
      await startAction(ctx, tx, {
        uuid,
        action: 'attach_volume',
        requestId: caller.requestId,
        userId: caller.userId,
        projectId: caller.projectId,
      })
    })
    await ctx.agents.attachVolume(instance.host, {
      uuid,
      requestId: caller.requestId,
      projectId: instance.projectId,
      bdmUuid: bdm.uuid,
      volumeId: volume.id,
      attachmentId: attachment.id,
      device,
    })
  } catch (error) {
    await deleteBlockDevice(ctx.db, bdm.uuid)
    await volumes.deleteAttachment(attachment.id).catch(() => undefined)
    throw error
  }
  return bdm
}

/** Marks the volume `detaching` and has the agent unplug it and delete its attachment. */
export async function detachVolume(
  ctx: ComputeContext,
  caller: VolumeCaller,
  uuid: string,
  volumeId: string,
): Promise<void> {
  const instance = await findServer(ctx, caller, uuid)
  const bdm = (await volumeMappings(ctx, instance)).find((d) => d.volumeId === volumeId)
  if (!bdm) throw new VolumeNotAttachedError(uuid, volumeId)
  assertUnlocked(instance, caller)
  assertState(instance, 'detach_volume', { vm: VOLUME_STATES })
  if (bdm.bootIndex === 0) throw new ComputeValidationError('Cannot detach a root device volume')
  await assertHostAttaches(ctx, instance, 'detach_volume')
  const volumes = ctx.volumesFor(caller.projectId, caller.token)
  const record = () =>
    startAction(ctx, ctx.db, {
      uuid,
      action: 'detach_volume',
      requestId: caller.requestId,
      userId: caller.userId,
      projectId: caller.projectId,
    })
  if (!instance.host || !bdm.attachmentId) {
    // No guest holds it: the attachment goes at once.
    await record()
    if (bdm.attachmentId) await volumes.deleteAttachment(bdm.attachmentId)
    await deleteBlockDevice(ctx.db, bdm.uuid)
    return
  }
  await volumes.beginDetaching(volumeId).catch((error: unknown) => {
    const why = refusal(error)
    throw why ? new ComputeValidationError(`Invalid volume: ${why}`) : error
  })
  await record()
  await ctx.agents.detachVolume(instance.host, {
    uuid,
    requestId: caller.requestId,
    projectId: instance.projectId,
    bdmUuid: bdm.uuid,
    volumeId,
    attachmentId: bdm.attachmentId,
    device: bdm.deviceName ?? '',
  })
}

export interface AttachmentUpdate {
  volumeId: string
  deleteOnTermination?: boolean
  device?: string | null
  tag?: string | null
  serverId?: string
  id?: string
}

/**
 * Nova's PUT: the same volume updates `delete_on_termination` (2.85); another volume asks for a
 * swap, which this cloud's drivers cannot do (409).
 */
export async function updateVolumeAttachment(
  ctx: ComputeContext,
  caller: VolumeCaller,
  uuid: string,
  volumeId: string,
  input: AttachmentUpdate,
  options: { swapOnly: boolean },
): Promise<BlockDevice> {
  const instance = await findServer(ctx, caller, uuid)
  const bdm = (await volumeMappings(ctx, instance)).find((d) => d.volumeId === volumeId)
  if (!bdm) throw new VolumeNotAttachedError(uuid, volumeId)
  if (options.swapOnly || input.volumeId !== volumeId) {
    // as Nova: a new volume that does not exist is a bad request, before the driver's refusal
    const target = await ctx.volumesFor(caller.projectId, caller.token).getVolume(input.volumeId)
    if (!target) throw new ComputeValidationError(`Volume ${input.volumeId} could not be found.`)
    throw new ConflictError(
      `Cannot 'swap_volume' instance ${uuid}: swapping volumes is not supported by this cloud's compute drivers.`,
    )
  }
  const unchangeable: [keyof AttachmentUpdate, unknown][] = [
    ['device', bdm.deviceName],
    ['tag', bdm.tag],
    ['serverId', uuid],
    ['id', volumeId],
  ]
  for (const [key, current] of unchangeable) {
    if (input[key] !== undefined && input[key] !== current) {
      const wire = key === 'serverId' ? 'server_id' : key
      throw new ComputeValidationError(`Updating '${wire}' is not supported.`)
    }
  }
  assertUnlocked(instance, caller)
  assertState(instance, 'update_volume_attachment', { vm: VOLUME_STATES })
  if (input.deleteOnTermination !== undefined) {
    await updateBlockDevice(ctx.db, bdm.uuid, {
      deleteOnTermination: input.deleteOnTermination,
      updatedAt: now(ctx),
    })
  }
  return { ...bdm, deleteOnTermination: input.deleteOnTermination ?? bdm.deleteOnTermination }
}
