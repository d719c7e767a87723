/** @module compute/virt/qemu/guest-root: a new guest's root disk and kernel, from an image or a boot volume */
import { readFile, writeFile } from 'node:fs/promises'
import { exec } from '../../../core/sys/exec.js'
import type { GuestSpec } from '../compute-driver.js'
import { configDataArchive } from './config-data.js'
import type { AttachedVolume, GuestFiles, GuestRecord } from './guest-record.js'
import { assertVolumeReachable, attachedVolumeOf, GuestVolumeError } from './guest-volumes.js'
import type { GuestImageSource, ImageCache } from './image-cache.js'
import { freeVolumeSlot, inDeviceOrder } from './qemu-command.js'

/** What the root disk is made from. */
export interface RootSources {
  images: GuestImageSource
  cache: ImageCache
  /** Kernel command line when the image gives none. */
  defaultAppend: string
}

/** The part of a guest record that says how its disks and kernel are set up. */
export type GuestDisks = Omit<GuestRecord, 'spec' | 'taps'>

/**
 * The volumes of a spawn, checked: at most one boot volume (boot index 0), every connection a
 * local file that exists. Throws a {@link GuestVolumeError} naming the volume otherwise.
 */
export async function spawnVolumes(
  spec: GuestSpec,
): Promise<{ root?: AttachedVolume; data: AttachedVolume[] }> {
  const boot = (spec.volumes ?? []).filter((v) => v.bootIndex === 0)
  if (boot.length > 1) {
    throw new GuestVolumeError(
      `guest ${spec.uuid} has ${boot.length} volumes with boot index 0; it boots from one`,
    )
  }
  const root = boot[0] && attachedVolumeOf(boot[0])
  const data: AttachedVolume[] = []
  for (const volume of inDeviceOrder(
    (spec.volumes ?? []).filter((v) => v.bootIndex !== 0).map(attachedVolumeOf),
  )) {
    data.push({ ...volume, pciSlot: freeVolumeSlot(data) })
  }
  for (const volume of root ? [root, ...data] : data) await assertVolumeReachable(volume)
  const ids = new Set<string>()
  for (const volume of root ? [root, ...data] : data) {
    if (ids.has(volume.volumeId)) {
      throw new GuestVolumeError(`volume ${volume.volumeId} is given to guest ${spec.uuid} twice`)
    }
    ids.add(volume.volumeId)
  }
  return root ? { root, data } : { data }
}

/**
 * Makes a guest's root disk (a qcow2 overlay on the cached image, or nothing when it boots from
 * a volume, whose file is used as it is) and, when the image says so, its kernel and initrd.
 * Writes nothing outside the guest's folder but the image cache.
 */
export async function prepareRoot(
  spec: GuestSpec,
  files: GuestFiles,
  sources: RootSources,
  signal?: AbortSignal,
): Promise<GuestDisks> {
  const volumes = await spawnVolumes(spec)
  let disks: GuestDisks
  let properties: Record<string, unknown>
  if (volumes.root) {
    disks = { baseFormat: volumes.root.format, rootVolume: volumes.root, volumes: volumes.data }
    properties = await bootVolumeProperties(spec, sources.images)
  } else {
    if (!spec.imageId) {
      throw new Error(`guest ${spec.uuid} has neither an image nor a volume with boot index 0`)
    }
    const image = await sources.images.info(spec.imageId)
    if (!image) throw new Error(`image ${spec.imageId} was not found`)
    const base = await sources.cache.path(image.id)
    signal?.throwIfAborted()
    const baseFormat = image.diskFormat === 'qcow2' ? 'qcow2' : 'raw'
    const size = spec.rootGb > 0 ? [`${spec.rootGb}G`] : []
    await exec(
      'qemu-img',
      ['create', '-q', '-f', 'qcow2', '-F', baseFormat, '-b', base, files.overlay, ...size],
      { timeoutMs: 60_000 },
    )
    disks = { baseFormat, volumes: volumes.data }
    properties = image.properties
  }
  signal?.throwIfAborted()
  const kernelId = stringProperty(properties, 'kernel_id')
  if (!kernelId) return disks
  const ramdiskId = stringProperty(properties, 'ramdisk_id')
  const ramdisk = ramdiskId ? await readFile(await sources.cache.path(ramdiskId)) : Buffer.alloc(0)
  // the config data rides in the initrd, which the tiny guest reads as its config drive
  await writeFile(files.initrd, Buffer.concat([ramdisk, configDataArchive(spec)]))
  return {
    ...disks,
    kernel: await sources.cache.path(kernelId),
    initrd: files.initrd,
    append: stringProperty(properties, 'os_command_line') ?? sources.defaultAppend,
  }
}

/**
 * The image properties that say how to boot a volume: the volume's image metadata, and when it
 * names its source image but no kernel, that image's own properties (if the image still exists).
 */
async function bootVolumeProperties(
  spec: GuestSpec,
  images: GuestImageSource,
): Promise<Record<string, unknown>> {
  const metadata: Record<string, unknown> = { ...spec.volumeImageMetadata }
  const imageId = stringProperty(metadata, 'image_id')
  if (stringProperty(metadata, 'kernel_id') || !imageId) return metadata
  const image = await images.info(imageId).catch(() => undefined)
  return image ? { ...image.properties, ...metadata } : metadata
}

function stringProperty(properties: Record<string, unknown>, key: string): string | undefined {
  const value = properties[key]
  return typeof value === 'string' && value.length > 0 ? value : undefined
}
