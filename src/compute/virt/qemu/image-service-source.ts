/** @module compute/virt/qemu/image-service-source: the image service as the qemu driver's image source */
import type { ImageClient } from '../../../clients/image-client.js'
import type { GuestImageSource } from './image-cache.js'

/** Reads images (and their kernel/ramdisk) from the image service as the compute service. */
export function imageServiceSource(images: ImageClient): GuestImageSource {
  return {
    async info(id) {
      const image = await images.getImage(id)
      if (!image) return undefined
      if (image.status !== 'active') throw new Error(`image ${id} is ${image.status}, not active`)
      return { id: image.id, diskFormat: image.diskFormat ?? null, properties: image.properties }
    },
    download: (id) => images.downloadData(id),
  }
}
