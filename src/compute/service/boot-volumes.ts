/** @module compute/service/boot-volumes: a create's block device mappings, checked as Nova's API does */
import type { Instance, LocalDiskRequest } from '../model/instance.js'
import {
  nextDeviceName,
  type BdmDestinationType,
  type BdmSourceType,
  type BlockDevice,
} from '../model/block-device.js'
import { ComputeValidationError } from '../errors.js'
import { localDeviceNames } from '../rpc/guest-spec.js'
import type { ComputeContext } from './context.js'
import type { VolumeCaller } from './server-volumes.js'

/** One entry of `block_device_mapping_v2` (or of the legacy list, converted), in domain terms. */
export interface BlockDeviceRequest {
  sourceType: BdmSourceType
  destinationType: BdmDestinationType
  uuid?: string
  bootIndex: number | null
  volumeSize?: number
  deleteOnTermination: boolean
  deviceName?: string
  tag?: string
  volumeType?: string
  /** `guest_format`: `swap` makes a blank local mapping the swap disk, else its filesystem. */
  guestFormat?: string
}

/** What the checks found: whether the server boots from a volume, and its root image if not. */
export interface BootPlan {
  bootFromVolume: boolean
  /** The server's image: `imageRef`, or a local image mapping's; empty when it boots from a volume. */
  imageRef: string
  /** The volume mappings. */
  devices: readonly BlockDeviceRequest[]
  /** The blank local disks asked for, when any were. */
  localDisks?: LocalDiskRequest
}

/** Nova's `max_local_block_devices` default: local disks a server may have, its image root among them. */
const MAX_LOCAL_DEVICES = 3

/**
 * Nova's checks of blank local mappings (ephemeral and swap disks) against the flavor: ephemeral
 * sizes (the flavor's when a mapping gives none) add up to at most its ephemeral GB, one swap
 * disk of at most its swap MB, and no more local disks than the limit.
 */
function checkLocalDisks(
  devices: readonly BlockDeviceRequest[],
  flavor: { ephemeralGb: number; swap: number },
  imageRoot: boolean,
): LocalDiskRequest | undefined {
  const blank = devices.filter((d) => d.sourceType === 'blank' && d.destinationType === 'local')
  const swaps = blank.filter((d) => d.guestFormat === 'swap')
  const ephemerals = blank.filter((d) => d.guestFormat !== 'swap')
  const ephemeralGb = ephemerals.reduce((sum, d) => sum + (d.volumeSize ?? flavor.ephemeralGb), 0)
  if (ephemeralGb > flavor.ephemeralGb) {
    throw new ComputeValidationError(
      'Ephemeral disks requested are larger than the instance type allows. If no size is given in one block device mapping, flavor ephemeral size will be used.',
    )
  }
  if (swaps.length > 1) throw invalid('More than one swap drive requested.')
  const swap = swaps[0]
  if (swap && (swap.volumeSize ?? 0) > flavor.swap) {
    throw new ComputeValidationError('Swap drive requested is larger than instance type allows.')
  }
  const local = devices.filter((d) => d.destinationType === 'local').length
  const root = imageRoot && !devices.some((d) => d.bootIndex === 0) ? 1 : 0
  if (local + root > MAX_LOCAL_DEVICES) {
    throw invalid('You specified more local devices than the limit allows')
  }
  if (blank.length === 0) return undefined
  return {
    ...(ephemerals.length > 0
      ? {
          ephemerals: ephemerals.flatMap((d) => {
            const sizeGb = d.volumeSize ?? flavor.ephemeralGb
            if (sizeGb <= 0) return []
            return [{ sizeGb, ...(d.guestFormat ? { guestFormat: d.guestFormat } : {}) }]
          }),
        }
      : {}),
    ...(swap ? { swapMb: swap.volumeSize ?? flavor.swap } : {}),
  }
}

function invalid(reason: string): ComputeValidationError {
  return new ComputeValidationError(`Block Device Mapping is Invalid: ${reason}`)
}

const BAD_SEQUENCE = invalid(
  'Boot sequence for the instance and image/block device mapping combination is not valid.',
)

/**
 * Nova's checks of a create's mappings: a boot sequence that starts at 0 once, sizes where a
 * volume is made, volumes that exist and are available, one server when volumes are given.
 */
export async function checkBootPlan(
  ctx: ComputeContext,
  caller: VolumeCaller,
  input: {
    imageRef: string
    devices: readonly BlockDeviceRequest[]
    maxCount: number
    /** The flavor's local disks, which blank local mappings must fit in. */
    flavor?: { ephemeralGb: number; swap: number }
  },
): Promise<BootPlan> {
  const boot = input.devices.filter((d) => d.bootIndex === 0)
  if (boot.length > 1) throw BAD_SEQUENCE
  const indexes = input.devices.flatMap((d) => (d.bootIndex === null ? [] : [d.bootIndex]))
  const sorted = [...indexes].sort((a, b) => a - b)
  if (sorted.some((v, i) => v !== i)) throw BAD_SEQUENCE
  const bootDevice = boot[0]
  if (!input.imageRef && !bootDevice) throw BAD_SEQUENCE
  const bootFromVolume = bootDevice?.destinationType === 'volume'
  const localRoot = bootDevice?.destinationType === 'local' ? bootDevice.uuid : undefined
  for (const d of input.devices) {
    if (d.destinationType === 'local' && d.sourceType !== 'image' && d.sourceType !== 'blank') {
      throw invalid(`Mapping source '${d.sourceType}' needs destination_type 'volume'.`)
    }
    if (d.sourceType !== 'blank' && !d.uuid) {
      throw invalid(`Mapping source '${d.sourceType}' needs a uuid.`)
    }
    if (d.destinationType !== 'volume') continue
    if (d.sourceType === 'image' && !d.volumeSize) {
      throw invalid("Images with destination_type 'volume' need to have a non-zero size specified")
    }
    if (d.sourceType === 'blank' && !d.volumeSize) {
      throw invalid("Blank volumes (source: 'blank', dest: 'volume') need to have non-zero size")
    }
    if (d.sourceType === 'image' && d.uuid) {
      const image = await ctx.images.getImage(d.uuid)
      if (!image || image.status !== 'active') throw invalid(`failed to get image ${d.uuid}.`)
    }
    if (d.sourceType === 'volume' && d.uuid) {
      if (input.maxCount > 1) {
        throw new ComputeValidationError('Cannot attach one or more volumes to multiple instances')
      }
      const volume = await ctx.volumesFor(caller.projectId, caller.token).getVolume(d.uuid)
      if (!volume) throw invalid(`failed to get volume ${d.uuid}.`)
      if (volume.status !== 'available') {
        throw new ComputeValidationError(
          `Invalid volume: volume '${volume.id}' status must be 'available'. Currently in '${volume.status}'`,
        )
      }
      if (d.bootIndex === 0 && !volume.bootable) {
        throw invalid(`Volume ${volume.id} is not bootable.`)
      }
    }
  }
  const localDisks = input.flavor
    ? checkLocalDisks(input.devices, input.flavor, !bootFromVolume)
    : undefined
  return {
    bootFromVolume,
    imageRef: bootFromVolume ? '' : input.imageRef || (localRoot ?? ''),
    devices: input.devices.filter((d) => d.destinationType === 'volume'),
    ...(localDisks ? { localDisks } : {}),
  }
}

/**
 * The mapping rows of a new server: the image-backed root when it boots from an image, then the
 * requested volumes, with device names (`/dev/vda` for the boot device) where none was given.
 */
export function blockDevicesOf(
  ctx: Pick<ComputeContext, 'ids'>,
  instance: Instance,
  plan: BootPlan,
): BlockDevice[] {
  // the guest names its ephemeral and swap disks right after the root disk, volumes after them
  const local = localDeviceNames(instance)
  const used: (string | null)[] = [...local.ephemerals, local.swap ?? null]
  const rows: BlockDevice[] = []
  const base = {
    instanceUuid: instance.uuid,
    attachmentId: null,
    createdAt: instance.createdAt,
    updatedAt: instance.createdAt,
  }
  if (!plan.bootFromVolume) {
    used.push('/dev/vda')
    rows.push({
      ...base,
      uuid: ctx.ids.uuid(),
      sourceType: 'image',
      destinationType: 'local',
      deviceName: '/dev/vda',
      bootIndex: 0,
      volumeId: null,
      imageId: instance.imageRef,
      snapshotId: null,
      volumeSize: null,
      volumeType: null,
      deleteOnTermination: true,
      tag: null,
    })
  }
  const ordered = [...plan.devices].sort(
    (a, b) => (a.bootIndex ?? Number.MAX_SAFE_INTEGER) - (b.bootIndex ?? Number.MAX_SAFE_INTEGER),
  )
  for (const d of ordered) {
    if (d.destinationType !== 'volume') continue
    const wanted = d.bootIndex === 0 ? '/dev/vda' : d.deviceName
    const device = wanted && !used.includes(wanted) ? wanted : nextDeviceName(used)
    used.push(device)
    rows.push({
      ...base,
      uuid: ctx.ids.uuid(),
      sourceType: d.sourceType,
      destinationType: 'volume',
      deviceName: device,
      bootIndex: d.bootIndex,
      volumeId: d.sourceType === 'volume' ? (d.uuid ?? null) : null,
      imageId: d.sourceType === 'image' ? (d.uuid ?? null) : null,
      snapshotId: d.sourceType === 'snapshot' ? (d.uuid ?? null) : null,
      volumeSize: d.volumeSize ?? null,
      volumeType: d.volumeType ?? null,
      deleteOnTermination: d.deleteOnTermination,
      tag: d.tag ?? null,
    })
  }
  return rows
}
