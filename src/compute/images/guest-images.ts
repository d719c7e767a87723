/** @module compute/images/guest-images: the tiny guest built and registered for a real driver */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { ImageClient, ImageInfo } from '../../clients/image-client.js'
import type { ComputeDriverName } from '../virt/driver-names.js'
import type { TinyImageFiles } from './tiny-image-builder.js'

/** The image property naming which part of a guest image set an image is. */
export const GUEST_IMAGE_PROPERTY = 'nimbus_guest_image'

/** One image of a set, in registration order: the ones named by `links` come first. */
interface GuestImagePart {
  /** Image name, also the value of {@link GUEST_IMAGE_PROPERTY}. */
  name: string
  /** Which file of the built guest holds its data. */
  file: 'kernel' | 'ramdisk' | 'disk' | 'containerArchive'
  diskFormat: string
  containerFormat: string
  /** Properties whose value is the id of an earlier part, by that part's name. */
  links?: Record<string, string>
  properties?: Record<string, string>
}

/** The built guest's files; the docker archive is there when the driver runs containers. */
export type GuestImageFiles = TinyImageFiles & { containerArchive?: string }

/** Builds the files of the `tiny` guest (the real builder downloads Debian packages). */
export type TinyBuilder = (log: (line: string) => void) => Promise<GuestImageFiles>

/** The MD5 of a file, as the image service records it in `checksum`. */
async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** The images a driver boots, or undefined when it boots none of the built-in ones. */
export function guestImageParts(driver: ComputeDriverName): GuestImagePart[] | undefined {
  if (driver === 'container') {
    return [
      {
        name: 'tiny-container',
        file: 'containerArchive',
        diskFormat: 'raw',
        containerFormat: 'docker',
        properties: { os_distro: 'nimbus-tiny', os_type: 'linux' },
      },
    ]
  }
  if (driver !== 'qemu') return undefined
  return [
    { name: 'tiny-kernel', file: 'kernel', diskFormat: 'aki', containerFormat: 'aki' },
    { name: 'tiny-ramdisk', file: 'ramdisk', diskFormat: 'ari', containerFormat: 'ari' },
    {
      name: 'tiny',
      file: 'disk',
      diskFormat: 'ami',
      containerFormat: 'ami',
      links: { kernel_id: 'tiny-kernel', ramdisk_id: 'tiny-ramdisk' },
      properties: { os_distro: 'nimbus-tiny', os_type: 'linux', hw_disk_bus: 'virtio' },
    },
  ]
}

/**
 * Makes sure the hosts' driver has its built-in guest image in the image service: builds the
 * tiny guest when missing (once, cached in the data dir) and registers it as public images:
 * `tiny-kernel`, `tiny-ramdisk` and `tiny` with kernel_id/ramdisk_id for qemu, `tiny-container`
 * (container_format docker) for the container driver. Images are
 * found again by their {@link GUEST_IMAGE_PROPERTY}, so a restart registers nothing twice; a
 * part an earlier start left without data is deleted and registered again, and so is a part
 * whose data is not the built file's any more (the guest was built again, e.g. with a new
 * /init) or that names replaced parts. An image an admin
 * deleted after it was active is registered again at the next start, as the driver needs it.
 * Resolves the ids registered now (empty when all were there already).
 */
export async function registerGuestImages(options: {
  driver: ComputeDriverName
  images: ImageClient
  build: TinyBuilder
  log: (line: string) => void
}): Promise<string[]> {
  const parts = guestImageParts(options.driver)
  if (!parts) return []
  const byPart = new Map<string, ImageInfo>()
  for (const image of await options.images.listImages()) {
    const part = image.properties[GUEST_IMAGE_PROPERTY]
    if (typeof part !== 'string') continue
    if (image.status === 'active' && !byPart.has(part)) byPart.set(part, image)
    else if (image.status === 'queued' || image.status === 'killed') {
      options.log(`removing ${image.name} (${image.id}): an earlier start left it ${image.status}`)
      await options.images.deleteImage(image.id)
    }
  }
  const tiny = await options.build(options.log)
  const fileOf = (part: GuestImagePart) => {
    const file = tiny[part.file]
    if (file === undefined) throw new Error(`the built guest has no ${part.file} for ${part.name}`)
    return file
  }
  // A part is current when it is active, holds the built file (same MD5 as Glance's checksum)
  // and links to the current ids of the parts it names.
  const linksOf = (part: GuestImagePart) =>
    Object.entries(part.links ?? {}).map(([key, name]) => [key, byPart.get(name)?.id] as const)
  const staleness = async (part: GuestImagePart): Promise<string | undefined> => {
    const image = byPart.get(part.name)
    if (!image) return 'missing'
    if (image.checksum !== (await md5Of(fileOf(part)))) return 'the guest was built again'
    const links = linksOf(part)
    if (!links.every(([key, id]) => image.properties[key] === id)) {
      return 'the images it names were registered again'
    }
    return undefined
  }
  const ids: string[] = []
  for (const part of parts) {
    const why = await staleness(part)
    if (why === undefined) continue
    const stale = byPart.get(part.name)
    if (stale) {
      options.log(`replacing ${part.name} (${stale.id}): ${why}`)
      await options.images.deleteImage(stale.id)
    }
    const links = linksOf(part).map(([key, id]) => [key, id ?? ''])
    const image = await options.images.createImage({
      name: part.name,
      visibility: 'public',
      diskFormat: part.diskFormat,
      containerFormat: part.containerFormat,
      minDisk: 0,
      minRam: 0,
      properties: {
        ...part.properties,
        ...Object.fromEntries(links),
        [GUEST_IMAGE_PROPERTY]: part.name,
      },
    })
    const file = fileOf(part)
    const { size } = await stat(file)
    await options.images.uploadStream(image.id, createReadStream(file), size)
    options.log(`registered guest image ${part.name} (${image.id}, ${size} bytes)`)
    byPart.set(part.name, { ...image, status: 'active', checksum: await md5Of(file) })
    ids.push(image.id)
  }
  return ids
}
