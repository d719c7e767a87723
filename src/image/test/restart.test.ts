/** @module image/test/restart.test: default images at first start, repairs of interrupted work */
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { getImage, updateImage } from '../db/images-repo.js'
import { admin, alice, createImageFixture, type ImageFixture, type Json } from './image-fixture.js'

let dataDir: string
let defaultsDir: string
const open: ImageFixture[] = []

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'nimbus-image-restart-'))
  defaultsDir = join(dataDir, 'default-images')
  mkdirSync(defaultsDir)
})

afterEach(async () => {
  for (const fx of open.splice(0)) await fx.close()
  rmSync(dataDir, { recursive: true, force: true })
})

/** Starts the image service on the shared data dir and waits for its start-up work. */
async function start(): Promise<ImageFixture> {
  const fx = await createImageFixture({ dataDir })
  open.push(fx)
  await fx.unit.ctx.background.drain()
  return fx
}

async function stop(fx: ImageFixture): Promise<void> {
  open.splice(open.indexOf(fx), 1)
  await fx.close()
}

async function images(fx: ImageFixture): Promise<Json[]> {
  const response = await fx.request(admin, { method: 'GET', url: '/image/v2/images?limit=100' })
  return response.json<{ images: Json[] }>().images
}

function qcow2(virtualSize: bigint): Buffer {
  const data = randomBytes(4096)
  data.writeUInt32BE(0x514649fb, 0)
  data.writeBigUInt64BE(virtualSize, 24)
  return data
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex')

describe('default images at start', () => {
  it('registers each image file once as a public active image, ignoring other entries', async () => {
    const cirros = qcow2(1024n ** 3n)
    const tiny = randomBytes(5000)
    writeFileSync(join(defaultsDir, 'cirros.qcow2'), cirros)
    writeFileSync(join(defaultsDir, 'tiny.img'), tiny)
    writeFileSync(join(defaultsDir, 'notes.txt'), 'not an image')
    writeFileSync(join(defaultsDir, '.hidden.raw'), 'hidden')
    mkdirSync(join(defaultsDir, 'folder.raw'))
    const first = await start()
    const listed = await images(first)
    expect(listed.map((i) => i['name']).sort()).toEqual(['cirros', 'tiny'])
    expect(listed.find((i) => i['name'] === 'cirros')).toMatchObject({
      status: 'active',
      visibility: 'public',
      disk_format: 'qcow2',
      container_format: 'bare',
      virtual_size: 1024 ** 3,
      checksum: md5(cirros),
      nimbus_default_image: 'cirros.qcow2',
    })
    expect(listed.find((i) => i['name'] === 'tiny')).toMatchObject({
      status: 'active',
      disk_format: 'raw',
      size: tiny.length,
      checksum: md5(tiny),
    })
    const seen = await first.request(alice, { method: 'GET', url: '/image/v2/images' })
    expect(seen.json<{ images: Json[] }>().images).toHaveLength(2)
    await stop(first)
    const second = await start()
    expect(await images(second)).toHaveLength(2)
  })

  it('keeps registering the other files when one entry cannot be read', async () => {
    symlinkSync(join(dataDir, 'missing.raw'), join(defaultsDir, 'broken.raw'))
    writeFileSync(join(defaultsDir, 'tiny.raw'), randomBytes(100))
    const fx = await start()
    expect((await images(fx)).map((i) => i['name'])).toEqual(['tiny'])
  })

  it('uploads again at the next start when a stop cut the first upload short', async () => {
    const tiny = randomBytes(7000)
    writeFileSync(join(defaultsDir, 'tiny.raw'), tiny)
    const first = await start()
    const [image] = await images(first)
    const id = String(image?.['id'])
    // What a stop mid-upload leaves: status saving, no data under the image's key.
    await updateImage(first.unit.ctx.db, id, { status: 'saving', size: null, location: null })
    await first.unit.ctx.store.delete(id)
    await stop(first)
    const second = await start()
    expect(await images(second)).toEqual([
      expect.objectContaining({ id, status: 'active', checksum: md5(tiny), size: tiny.length }),
    ])
  })

  it('does not register again a default image an admin deleted', async () => {
    writeFileSync(join(defaultsDir, 'tiny.raw'), randomBytes(100))
    const first = await start()
    const [image] = await images(first)
    const deleted = await first.request(admin, {
      method: 'DELETE',
      url: `/image/v2/images/${String(image?.['id'])}`,
    })
    expect(deleted.statusCode).toBe(204)
    await stop(first)
    expect(await images(await start())).toEqual([])
  })
})

describe('repairs at start', () => {
  it('puts an interrupted upload back to queued and removes its partial and orphan data', async () => {
    const first = await start()
    const image = await first.createImage(alice)
    const id = String(image['id'])
    await updateImage(first.unit.ctx.db, id, { status: 'saving' })
    await stop(first)
    // A partial temporary file, and data renamed into place before the database was updated.
    const storeDir = join(dataDir, 'images')
    writeFileSync(join(storeDir, `.partial-${id}-1`), 'partial')
    writeFileSync(join(storeDir, id), 'orphan')
    const second = await start()
    expect(await getImage(second.unit.ctx.db, id)).toMatchObject({ status: 'queued', size: null })
    expect(readdirSync(storeDir).filter((n) => n !== 'staging')).toEqual([])
    const data = randomBytes(2000)
    expect(await second.upload(alice, id, data)).toBe(204)
    expect(await getImage(second.unit.ctx.db, id)).toMatchObject({
      status: 'active',
      checksum: md5(data),
    })
  })

  it('puts an interrupted import back to uploading while its staged data survives', async () => {
    const first = await start()
    const id = String((await first.createImage(alice))['id'])
    const staged = await first.request(alice, {
      method: 'PUT',
      url: `/image/v2/images/${id}/stage`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: randomBytes(3000),
    })
    expect(staged.statusCode).toBe(204)
    await updateImage(first.unit.ctx.db, id, { status: 'importing' })
    await stop(first)
    writeFileSync(join(dataDir, 'images', id), 'orphan of the cut import')
    const second = await start()
    expect(await getImage(second.unit.ctx.db, id)).toMatchObject({ status: 'uploading' })
    const imported = await second.request(alice, {
      method: 'POST',
      url: `/image/v2/images/${id}/import`,
      payload: { method: { name: 'glance-direct' } },
    })
    expect(imported.statusCode).toBe(202)
    await second.unit.ctx.background.drain()
    expect(await getImage(second.unit.ctx.db, id)).toMatchObject({ status: 'active', size: 3000 })
  })

  it('puts an interrupted import or stage whose staged data is gone back to queued', async () => {
    const first = await start()
    const importing = String((await first.createImage(alice))['id'])
    const uploading = String((await first.createImage(alice))['id'])
    await updateImage(first.unit.ctx.db, importing, { status: 'importing', size: 3000 })
    await updateImage(first.unit.ctx.db, uploading, { status: 'uploading' })
    await stop(first)
    const second = await start()
    for (const id of [importing, uploading]) {
      expect(await getImage(second.unit.ctx.db, id)).toMatchObject({ status: 'queued', size: null })
    }
  })

  it('leaves a finished stage waiting for its import alone', async () => {
    const first = await start()
    const id = String((await first.createImage(alice))['id'])
    await first.request(alice, {
      method: 'PUT',
      url: `/image/v2/images/${id}/stage`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: randomBytes(10),
    })
    await stop(first)
    const second = await start()
    expect(await getImage(second.unit.ctx.db, id)).toMatchObject({ status: 'uploading', size: 10 })
  })
})
