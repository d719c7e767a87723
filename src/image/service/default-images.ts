/** @module image/service/default-images: registers the image files of a folder as public images */
import { createReadStream } from 'node:fs'
import { open, readdir, stat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { recordDefaultImage, registeredDefaultImages } from '../db/default-images-repo.js'
import { getImage } from '../db/images-repo.js'
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

async function imageFile(dir: string, name: string): Promise<string | undefined> {
  const format = BY_EXTENSION[extname(name).toLowerCase()]
  if (name.startsWith('.') || !format) return undefined
  const info = await stat(join(dir, name)).catch(() => undefined)
  return info?.isFile() ? format : undefined
}

/** Registers one file: a new image, or data for the still-queued image an earlier try left. */
async function registerFile(
  ctx: ImageContext,
  path: string,
  file: { name: string; format: string; imageId: string | undefined },
): Promise<string | undefined> {
  let id = file.imageId
  if (id !== undefined) {
    // Registered before: resume only when its data never arrived (a failed or killed upload).
    if ((await getImage(ctx.db, id))?.status !== 'queued') return undefined
  } else {
    const image = await createImage(ctx, SYSTEM, {
      name: file.name.slice(0, file.name.length - extname(file.name).length),
      diskFormat: await sniffFormat(path, file.format),
      containerFormat: 'bare',
      visibility: 'public',
      owner: null,
      properties: { nimbus_default_image: file.name },
    })
    id = image.id
    // Recorded before the upload, so a crash mid-upload resumes this image, never a duplicate.
    await recordDefaultImage(ctx.db, file.name, id)
  }
  await uploadImageData(ctx, SYSTEM, id, createReadStream(path))
  ctx.logger.info({ imageId: id, file: path }, 'registered default image')
  return id
}

/**
 * Registers, once each, the image files of `dir` (by extension: qcow2, img, raw, iso, vmdk,
 * vhd, vhdx, vdi) as public bare images named after the file. A missing folder is no error. A
 * file whose upload failed (or was cut by a stop) is uploaded again at the next call while its
 * image is still queued; an image an admin deleted is not registered again. One file's failure
 * is logged and does not stop the others. Resolves the ids of the images it gave data to.
 */
export async function registerDefaultImages(ctx: ImageContext, dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  const registered = await registeredDefaultImages(ctx.db)
  const ids: string[] = []
  for (const name of names.sort()) {
    const format = await imageFile(dir, name)
    if (!format) continue
    const path = join(dir, name)
    try {
      const id = await registerFile(ctx, path, { name, format, imageId: registered.get(name) })
      if (id !== undefined) ids.push(id)
    } catch (error) {
      ctx.logger.error({ err: error, file: path }, 'could not register a default image')
    }
  }
  return ids
}
