/** @module compute/service/volume-connections: a server's attached volumes follow its guest to a host */
import { listBlockDevices } from '../db/block-devices-repo.js'
import { isVolume, type BlockDevice } from '../model/block-device.js'
import type { Instance } from '../model/instance.js'
import type { GuestSpec, GuestVolume } from '../virt/compute-driver.js'
import type { ComputeContext } from './context.js'

type VolumeContext = Pick<ComputeContext, 'db' | 'volumesFor'>

/** The volumes a guest is created with, and how it boots when one is its root disk. */
export interface HostVolumes {
  /** The boot volume first, then the data volumes in device order. */
  volumes: GuestVolume[]
  /** The boot volume's `volume_image_metadata`, when the server boots from a volume. */
  volumeImageMetadata?: Record<string, string>
}

function attached(
  bdm: BlockDevice,
): bdm is BlockDevice & { volumeId: string; attachmentId: string } {
  return isVolume(bdm) && bdm.volumeId !== null && bdm.attachmentId !== null
}

function deviceOrder(a: BlockDevice, b: BlockDevice): number {
  const boot = Number(b.bootIndex === 0) - Number(a.bootIndex === 0)
  if (boot !== 0) return boot
  // `/dev/vdz` comes before `/dev/vdaa`
  const [x, y] = [a.deviceName ?? '', b.deviceName ?? '']
  return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0)
}

/**
 * Gives each attachment of the server's volumes `host`'s connector (block storage's attachment
 * update, as Nova refreshes the connection info for the host a guest moves to) and answers the
 * volumes as that host's guest gets them.
 */
export async function connectVolumesTo(
  ctx: VolumeContext,
  instance: Instance,
  host: string,
): Promise<HostVolumes> {
  const devices = (await listBlockDevices(ctx.db, [instance.uuid])).filter(attached)
  if (devices.length === 0) return { volumes: [] }
  const service = ctx.volumesFor(instance.projectId)
  const volumes: GuestVolume[] = []
  let volumeImageMetadata: Record<string, string> | undefined
  for (const bdm of devices.sort(deviceOrder)) {
    const device = bdm.deviceName ?? '/dev/vda'
    const attachment = await service.updateAttachment(bdm.attachmentId, {
      host,
      mountpoint: device,
    })
    if (!attachment.connectionInfo) {
      throw new Error(`block storage gave no connection info for volume ${bdm.volumeId}`)
    }
    if (bdm.bootIndex === 0) {
      volumeImageMetadata = (await service.getVolume(bdm.volumeId))?.imageMetadata
    }
    volumes.push({
      volumeId: bdm.volumeId,
      device,
      connection: attachment.connectionInfo,
      bootIndex: bdm.bootIndex,
      readOnly: attachment.attachMode === 'ro',
    })
  }
  return volumeImageMetadata ? { volumes, volumeImageMetadata } : { volumes }
}

/**
 * The guest `spec` on `host` with the server's volumes connected there; a server that boots
 * from a volume has no image for its root disk.
 */
export async function withVolumesOn(
  ctx: VolumeContext,
  instance: Instance,
  host: string,
  spec: GuestSpec,
): Promise<GuestSpec> {
  const connected = await connectVolumesTo(ctx, instance, host)
  if (connected.volumes.length === 0) return spec
  const bootsFromVolume = connected.volumes.some((v) => v.bootIndex === 0)
  return { ...spec, ...connected, ...(bootsFromVolume ? { imageId: '' } : {}) }
}
