/** @module compute/virt/container/container-image-source: docker-format images from the image service */
import type { Readable } from 'node:stream'
import type { ImageClient } from '../../../clients/image-client.js'

/** What the container driver needs to know about an image. */
export interface ContainerImageInfo {
  id: string
  containerFormat: string | null
  /** A server snapshot (`image_type=snapshot`), which the compute API records as `bare`. */
  snapshot?: boolean
}

/** Where container images come from (the image service, or files in tests). */
export interface ContainerImageSource {
  info(id: string): Promise<ContainerImageInfo | undefined>
  download(id: string): Promise<Readable>
}

/** Reads images from the image service as the compute service. */
export function containerImageSource(images: ImageClient): ContainerImageSource {
  return {
    async info(id) {
      const image = await images.getImage(id)
      if (!image) return undefined
      if (image.status !== 'active') throw new Error(`image ${id} is ${image.status}, not active`)
      return {
        id: image.id,
        containerFormat: image.containerFormat ?? null,
        snapshot: image.properties['image_type'] === 'snapshot',
      }
    },
    download: (id) => images.downloadData(id),
  }
}
