/** @module image/service/default-images: registers the image files of a folder as public images */
import { createReadStream } from 'node:fs'
import { open, readdir, stat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { recordDefaultImage, registeredDefaultImages } from '../db/default-images-repo.js'
import type { ImageCaller, ImageContext } from './context.js'
import { uploadImageData } from './image-data.js'
import { createImage } from './images.js'

const BY_EXTENSION: Record<string, string> = {
  '.qcow2': 'qcow2',
  '.img': 'raw',
  '.raw': 'raw',
  '.iso': 'iso',
  '.vmdk': 'vmdk',
  '.vhd': 'vhd',
  '.vhdx': 'vhdx',
  '.vdi': 'vdi',
}

const SYSTEM: ImageCaller = {
  projectId: null,
  isAdmin: true,
  mayPublicize: true,
  mayCommunitize: true,
}

async function sniffFormat(path: string, byExtension: string): Promise<string> {
  const handle = await open(path, 'r')
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0)
    if (bytesRead === 4 && buffer.toString('latin1') === 'QFI\xfb') return 'qcow2'
    return byExtension
  } finally {
    await handle.close()
  }
}

/**
 * Registers, once each, the image files of `dir` (by extension: qcow2, img, raw, iso, vmdk,
 * vhd, vhdx, vdi) as public bare images named after the file. A missing folder is no error.
 * Resolves the ids of the images it registered.
 */
export async function registerDefaultImages(ctx: ImageContext, dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  const done = await registeredDefaultImages(ctx.db)
  const ids: string[] = []
  for (const name of names.sort()) {
    const format = BY_EXTENSION[extname(name).toLowerCase()]
    if (name.startsWith('.') || done.has(name) || !format) continue
    const path = join(dir, name)
    if (!(await stat(path)).isFile()) continue
    const image = await createImage(ctx, SYSTEM, {
      name: name.slice(0, name.length - extname(name).length),
      diskFormat: await sniffFormat(path, format),
      containerFormat: 'bare',
      visibility: 'public',
      owner: null,
      properties: { nimbus_default_image: name },
    })
    await recordDefaultImage(ctx.db, name, image.id)
    await uploadImageData(ctx, SYSTEM, image.id, createReadStream(path))
    ctx.logger.info({ imageId: image.id, file: path }, 'registered default image')
    ids.push(image.id)
  }
  return ids
}
