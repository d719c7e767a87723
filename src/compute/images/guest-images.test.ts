import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImageClient, ImageInfo } from '../../clients/image-client.js'
import { GUEST_IMAGE_PROPERTY, registerGuestImages } from './guest-images.js'
import type { TinyImageFiles } from './tiny-image-builder.js'

/** An image service in memory: enough of the client for registration. */
function memoryImages() {
  const images = new Map<string, ImageInfo & { data?: Buffer }>()
  let next = 1
  const client: ImageClient = {
    async getImage(id) {
      return images.get(id)
    },
    async createImage(input) {
      const id = `img-${next++}`
      const image = {
        id,
        name: input.name,
        status: 'queued',
        owner: input.owner ?? 'service',
        visibility: input.visibility ?? 'private',
        minDisk: input.minDisk,
        minRam: input.minRam,
        size: null,
        createdAt: '',
        updatedAt: '',
        properties: { ...input.properties },
        diskFormat: input.diskFormat,
        containerFormat: input.containerFormat,
      }
      images.set(id, image)
      return { ...image }
    },
    async setFormats(id, formats) {
      const image = images.get(id)
      if (!image) throw new Error(`no image ${id}`)
      Object.assign(image, formats)
    },
    async uploadData(id, data) {
      const image = images.get(id)
      if (!image) throw new Error(`no image ${id}`)
      const checksum = createHash('md5').update(data).digest('hex')
      Object.assign(image, { data, size: data.length, status: 'active', checksum })
    },
    async uploadStream(id, data: Readable) {
      const chunks: Buffer[] = []
      for await (const chunk of data) chunks.push(chunk as Buffer)
      await client.uploadData(id, Buffer.concat(chunks))
    },
    async downloadData() {
      throw new Error('not used')
    },
    async listImages() {
      return [...images.values()].map((i) => ({ ...i }))
    },
    async deleteImage(id) {
      images.delete(id)
    },
    async patchProperties(id, _current, changes) {
      const image = images.get(id)
      if (!image) throw new Error(`no image ${id}`)
      const properties: Record<string, unknown> = { ...image.properties, ...changes.set }
      for (const key of changes.remove) delete properties[key]
      image.properties = properties
      return { ...image }
    },
  }
  return { client, images }
}

describe('registerGuestImages', () => {
  let dir: string
  let tiny: TinyImageFiles
  let builds = 0
  const build = async () => {
    builds++
    return tiny
  }
  const log = () => undefined

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nimbus-guest-images-'))
    tiny = {
      dir,
      kernel: join(dir, 'vmlinux'),
      ramdisk: join(dir, 'initramfs.gz'),
      disk: join(dir, 'disk.raw'),
      kernelVersion: '6.1.0-test',
    }
    await writeFile(tiny.kernel, 'kernel bytes')
    await writeFile(tiny.ramdisk, 'ramdisk bytes')
    await writeFile(tiny.disk, Buffer.alloc(4096))
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('registers kernel, ramdisk and the machine image naming them, public, once', async () => {
    const { client, images } = memoryImages()
    builds = 0
    const ids = await registerGuestImages({ driver: 'qemu', images: client, build, log })
    expect(ids).toHaveLength(3)
    const byName = new Map([...images.values()].map((i) => [i.name, i]))
    const kernel = byName.get('tiny-kernel')
    const ramdisk = byName.get('tiny-ramdisk')
    const machine = byName.get('tiny')
    expect(kernel).toMatchObject({ diskFormat: 'aki', visibility: 'public', status: 'active' })
    expect(kernel?.data?.toString()).toBe('kernel bytes')
    expect(ramdisk).toMatchObject({ diskFormat: 'ari', containerFormat: 'ari' })
    expect(machine).toMatchObject({ diskFormat: 'ami', status: 'active', size: 4096 })
    expect(machine?.properties).toMatchObject({
      kernel_id: kernel?.id,
      ramdisk_id: ramdisk?.id,
      [GUEST_IMAGE_PROPERTY]: 'tiny',
    })
    expect(builds).toBe(1)

    // a second start finds them and registers nothing
    expect(await registerGuestImages({ driver: 'qemu', images: client, build, log })).toEqual([])
    expect(images.size).toBe(3)
  })

  it('replaces the parts whose built file changed, and the machine image naming them', async () => {
    const { client, images } = memoryImages()
    await registerGuestImages({ driver: 'qemu', images: client, build, log })
    const before = new Map([...images.values()].map((i) => [i.name, i.id]))
    await writeFile(tiny.ramdisk, 'a ramdisk with another /init')
    try {
      const ids = await registerGuestImages({ driver: 'qemu', images: client, build, log })
      expect(ids).toHaveLength(2)
      const after = new Map([...images.values()].map((i) => [i.name, i]))
      expect(after.get('tiny-kernel')?.id).toBe(before.get('tiny-kernel'))
      expect(after.get('tiny-ramdisk')?.data?.toString()).toBe('a ramdisk with another /init')
      expect(after.get('tiny')?.properties['ramdisk_id']).toBe(after.get('tiny-ramdisk')?.id)
      expect(images.size).toBe(3)
    } finally {
      await writeFile(tiny.ramdisk, 'ramdisk bytes')
    }
  })

  it('replaces a part left queued and the machine image that named a deleted kernel', async () => {
    const { client, images } = memoryImages()
    await registerGuestImages({ driver: 'qemu', images: client, build, log })
    const kernel = [...images.values()].find((i) => i.name === 'tiny-kernel')
    await client.deleteImage(kernel?.id ?? '')
    const leftover = await client.createImage({
      name: 'tiny-ramdisk',
      diskFormat: 'ari',
      containerFormat: 'ari',
      minDisk: 0,
      minRam: 0,
      properties: { [GUEST_IMAGE_PROPERTY]: 'tiny-ramdisk' },
    })
    const ids = await registerGuestImages({ driver: 'qemu', images: client, build, log })
    expect(ids).toHaveLength(2)
    expect(images.has(leftover.id)).toBe(false)
    const all = [...images.values()]
    expect(all.map((i) => i.name).sort()).toEqual(['tiny', 'tiny-kernel', 'tiny-ramdisk'])
    const newKernel = all.find((i) => i.name === 'tiny-kernel')
    expect(all.find((i) => i.name === 'tiny')?.properties['kernel_id']).toBe(newKernel?.id)
  })

  it('registers nothing for drivers without built-in guest images', async () => {
    const { client, images } = memoryImages()
    expect(await registerGuestImages({ driver: 'fake', images: client, build, log })).toEqual([])
    expect(images.size).toBe(0)
  })
})
