/** @module compute/conductor/volume-setup: a building server's volumes made, attached to its host and given to the guest */
import type { VolumeClient, VolumeInfo } from '../../clients/volume-client.js'
import type { Reverter } from '../../core/tasks/index.js'
import { hostCapabilities, listBlockDevices, updateBlockDevice } from '../db/block-devices-repo.js'
import { isVolume, type BlockDevice } from '../model/block-device.js'
import type { Instance } from '../model/instance.js'
import { now } from '../service/context.js'
import type { GuestVolume } from '../virt/compute-driver.js'
import type { ConductorContext } from './conductor-context.js'

/** How long a volume made for a server may take to become available (Nova's 60 tries of 3 s). */
const VOLUME_WAIT_MS = 180_000
const VOLUME_POLL_MS = 200

async function waitAvailable(volumes: VolumeClient, id: string): Promise<VolumeInfo> {
  const deadline = Date.now() + VOLUME_WAIT_MS
  let last: VolumeInfo | undefined
  for (;;) {
    last = await volumes.getVolume(id)
    if (last?.status === 'available') return last
    if (!last || last.status === 'error' || Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, VOLUME_POLL_MS))
  }
  throw new Error(
    `Volume ${id} did not finish being created even after we waited ${Math.round(
      VOLUME_WAIT_MS / 1000,
    )} seconds or ${Math.ceil(VOLUME_WAIT_MS / VOLUME_POLL_MS)} attempts. And its status is ${last?.status ?? 'deleted'}.`,
  )
}

/** Creates the volume a mapping asks for (from an image, a snapshot, or blank) as the user. */
async function createFor(
  ctx: ConductorContext,
  instance: Instance,
  bdm: BlockDevice,
  userVolumes: VolumeClient,
  revert: Reverter,
): Promise<string> {
  const made = await userVolumes.createVolume({
    size: bdm.volumeSize ?? 1,
    name: '',
    ...(bdm.imageId ? { imageRef: bdm.imageId } : {}),
    ...(bdm.snapshotId ? { snapshotId: bdm.snapshotId } : {}),
    ...(bdm.volumeType ? { volumeType: bdm.volumeType } : {}),
  })
  await updateBlockDevice(ctx.db, bdm.uuid, { volumeId: made.id, updatedAt: now(ctx) })
  revert.add(async () => {
    await updateBlockDevice(ctx.db, bdm.uuid, { volumeId: null, attachmentId: null })
    await ctx.volumesFor(instance.projectId).deleteVolume(made.id)
  }, `delete volume ${made.id}`)
  await waitAvailable(userVolumes, made.id)
  return made.id
}

/** A server's volumes as its guest gets them. */
export interface ConnectedVolumes {
  volumes: GuestVolume[]
  /** The boot volume's `volume_image_metadata`, when the server boots from a volume. */
  volumeImageMetadata?: Record<string, string>
}

/**
 * Makes the server's volumes that do not exist yet (as the user whose token the create gave),
 * attaches each to `host` with a v3 attachment and completes it, and answers the guest's
 * volumes, the boot volume first, with the boot volume's image metadata. Everything it made is
 * undone through `revert`.
 */
export async function connectVolumes(
  ctx: ConductorContext,
  instance: Instance,
  host: string,
  options: { authToken: string | undefined; revert: Reverter },
): Promise<ConnectedVolumes> {
  const devices = (await listBlockDevices(ctx.db, [instance.uuid])).filter(isVolume)
  if (devices.length === 0) return { volumes: [] }
  if (!(await hostCapabilities(ctx.db, host)).has('volumeAttach')) {
    throw new Error(`the compute driver of host ${host} cannot give volumes to its guests`)
  }
  const service = ctx.volumesFor(instance.projectId)
  const guest: GuestVolume[] = []
  let volumeImageMetadata: Record<string, string> | undefined
  for (const bdm of devices.sort((a, b) => (a.bootIndex ?? 99) - (b.bootIndex ?? 99))) {
    let volumeId = bdm.volumeId
    if (!volumeId) {
      if (!options.authToken) {
        throw new Error(`the volume of mapping ${bdm.uuid} can only be created with the request`)
      }
      const user = ctx.volumesFor(instance.projectId, options.authToken)
      volumeId = await createFor(ctx, instance, bdm, user, options.revert)
    }
    // A reservation (or an attachment of an earlier host) gives way to one with this connector.
    if (bdm.attachmentId) await service.deleteAttachment(bdm.attachmentId)
    const device = bdm.deviceName ?? '/dev/vda'
    const attachment = await service.createAttachment({
      volumeId,
      instanceUuid: instance.uuid,
      connector: { host, mountpoint: device },
    })
    await updateBlockDevice(ctx.db, bdm.uuid, { attachmentId: attachment.id, updatedAt: now(ctx) })
    options.revert.add(async () => {
      await updateBlockDevice(ctx.db, bdm.uuid, { attachmentId: null })
      await service.deleteAttachment(attachment.id)
    }, `delete attachment ${attachment.id}`)
    if (!attachment.connectionInfo) {
      throw new Error(`block storage gave no connection info for volume ${volumeId}`)
    }
    await service.completeAttachment(attachment.id)
    if (bdm.bootIndex === 0) {
      // how the guest boots (kernel, ramdisk, command line) is in the image the volume came from
      volumeImageMetadata = (await service.getVolume(volumeId))?.imageMetadata
    }
    guest.push({
      volumeId,
      device,
      connection: attachment.connectionInfo,
      bootIndex: bdm.bootIndex,
      readOnly: attachment.attachMode === 'ro',
    })
  }
  return volumeImageMetadata ? { volumes: guest, volumeImageMetadata } : { volumes: guest }
}
