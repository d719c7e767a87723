/** @module compute/virt/qemu/image-cache: image files fetched once from the image service */
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/** What the driver needs to know about an image. */
export interface GuestImageInfo {
  id: string
  diskFormat: string | null
  /** Image properties: `kernel_id`, `ramdisk_id`, `os_command_line` matter here. */
  properties: Record<string, unknown>
}

/** Where images come from (the image service, or files in tests). */
export interface GuestImageSource {
  info(id: string): Promise<GuestImageInfo | undefined>
  download(id: string): Promise<Readable>
}

const SAFE_ID = /^[\w.-]+$/

/** Image files kept in `dir`, one per image id, written whole or not at all. */
export class ImageCache {
  private readonly inflight = new Map<string, Promise<string>>()

  constructor(
    private readonly dir: string,
    private readonly source: GuestImageSource,
  ) {}

  /** The local path of image `id`'s data, downloading it on first use. */
  async path(id: string): Promise<string> {
    if (!SAFE_ID.test(id)) throw new Error(`image id ${JSON.stringify(id)} is not a safe file name`)
    const path = join(this.dir, id)
    if (
      await stat(path).then(
        () => true,
        () => false,
      )
    )
      return path
    const running = this.inflight.get(id)
    if (running) return running
    const fetching = this.fetch(id, path).finally(() => this.inflight.delete(id))
    this.inflight.set(id, fetching)
    return fetching
  }

  private async fetch(id: string, path: string): Promise<string> {
    await mkdir(this.dir, { recursive: true })
    const partial = `${path}.part-${process.pid}-${Date.now()}`
    try {
      await pipeline(await this.source.download(id), createWriteStream(partial))
      await rename(partial, path)
    } catch (error) {
      await rm(partial, { force: true })
      throw error
    }
    return path
  }
}
