/** @module image/test/image-data.test: uploading, downloading and importing image data through HTTP */
import { createHash, randomBytes } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  admin,
  alice,
  bob,
  createImageFixture,
  type ImageFixture,
  type Json,
} from './image-fixture.js'

let fx: ImageFixture

beforeEach(async () => {
  fx = await createImageFixture()
})

afterEach(async () => {
  await fx.close()
})

async function show(id: unknown): Promise<Json> {
  const response = await fx.request(alice, { method: 'GET', url: `/image/v2/images/${String(id)}` })
  return response.json<Json>()
}

async function storeFiles(): Promise<string[]> {
  return (await readdir(join(fx.dataDir, 'images'))).filter((n) => n !== 'staging')
}

describe('uploading and downloading', () => {
  it('stores the bytes, records size and hashes, and streams them back with Content-MD5', async () => {
    const image = await fx.createImage(alice)
    const data = randomBytes(300_000)
    expect(await fx.upload(alice, String(image['id']), data)).toBe(204)
    const active = await show(image['id'])
    const md5 = createHash('md5').update(data).digest('hex')
    expect(active).toMatchObject({
      status: 'active',
      size: data.length,
      virtual_size: data.length,
      checksum: md5,
      os_hash_algo: 'sha512',
      os_hash_value: createHash('sha512').update(data).digest('hex'),
      stores: 'file',
    })
    const download = await fx.request(alice, {
      method: 'GET',
      url: `/image/v2/images/${String(image['id'])}/file`,
    })
    expect(download.statusCode).toBe(200)
    expect(download.headers['content-md5']).toBe(md5)
    expect(download.headers['content-type']).toBe('application/octet-stream')
    expect(download.rawPayload.equals(data)).toBe(true)
  })

  it('answers 204 with no body for an image without data', async () => {
    const image = await fx.createImage(alice)
    const response = await fx.request(alice, {
      method: 'GET',
      url: `/image/v2/images/${String(image['id'])}/file`,
    })
    expect(response.statusCode).toBe(204)
    expect(response.rawPayload.length).toBe(0)
  })

  it('serves a byte range with 206 and refuses one past the end with 416', async () => {
    const image = await fx.createImage(alice)
    const data = randomBytes(1000)
    await fx.upload(alice, String(image['id']), data)
    const url = `/image/v2/images/${String(image['id'])}/file`
    const part = await fx.request(alice, { method: 'GET', url, headers: { range: 'bytes=10-19' } })
    expect(part.statusCode).toBe(206)
    expect(part.headers['content-range']).toBe('bytes 10-19/1000')
    expect(part.rawPayload.equals(data.subarray(10, 20))).toBe(true)
    const past = await fx.request(alice, { method: 'GET', url, headers: { range: 'bytes=2000-' } })
    expect(past.statusCode).toBe(416)
  })

  it('reads the virtual size of a qcow2 image from its header', async () => {
    const image = await fx.createImage(alice, { disk_format: 'qcow2' })
    const header = Buffer.alloc(4096)
    header.writeUInt32BE(0x514649fb, 0)
    header.writeUInt32BE(3, 4)
    header.writeBigUInt64BE(10n * 1024n ** 3n, 24)
    await fx.upload(alice, String(image['id']), header)
    expect((await show(image['id']))['virtual_size']).toBe(10 * 1024 ** 3)
  })

  it('refuses a second upload to an active image with 409', async () => {
    const image = await fx.createImage(alice)
    await fx.upload(alice, String(image['id']), randomBytes(10))
    expect(await fx.upload(alice, String(image['id']), randomBytes(10))).toBe(409)
  })

  it('refuses a body that is not application/octet-stream with 415', async () => {
    const image = await fx.createImage(alice)
    const response = await fx.request(alice, {
      method: 'PUT',
      url: `/image/v2/images/${String(image['id'])}/file`,
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    })
    expect(response.statusCode).toBe(415)
    expect((await show(image['id']))['status']).toBe('queued')
  })

  it('refuses an upload by another project with 404 (private) or 403 (public)', async () => {
    const image = await fx.createImage(alice, { visibility: 'private' })
    expect(await fx.upload(bob, String(image['id']), randomBytes(10))).toBe(404)
    const open = await fx.createImage(admin, { visibility: 'public' })
    expect(await fx.upload(bob, String(open['id']), randomBytes(10))).toBe(403)
  })

  it('refuses data over the project quota with 413, leaving no file and the image queued', async () => {
    await fx.close()
    fx = await createImageFixture({ config: { quotaTotalBytes: 100_000 } })
    const image = await fx.createImage(alice)
    expect(await fx.upload(alice, String(image['id']), randomBytes(150_000))).toBe(413)
    expect((await show(image['id']))['status']).toBe('queued')
    expect(await storeFiles()).toEqual([])
    expect(await fx.upload(alice, String(image['id']), randomBytes(50_000))).toBe(204)
  })

  it('lets one of two concurrent uploads win and answers 409 to the other', async () => {
    const image = await fx.createImage(alice)
    const [a, b] = await Promise.all([
      fx.upload(alice, String(image['id']), randomBytes(200_000)),
      fx.upload(alice, String(image['id']), randomBytes(200_000)),
    ])
    expect([a, b].sort()).toEqual([204, 409])
    expect((await show(image['id']))['status']).toBe('active')
  })

  it('puts the image back to queued and keeps no partial file when the client disconnects', async () => {
    const image = await fx.createImage(alice)
    await fx.app.listen({ host: '127.0.0.1', port: 0 })
    const address = fx.app.server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    const outgoing = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'PUT',
      path: `/image/v2/images/${String(image['id'])}/file`,
      headers: {
        'x-auth-token': alice.token,
        'content-type': 'application/octet-stream',
        'content-length': 10_000_000,
      },
    })
    outgoing.on('error', () => undefined)
    outgoing.write(randomBytes(1_000_000))
    for (let i = 0; i < 50 && (await show(image['id']))['status'] !== 'saving'; i++) await sleep(20)
    expect((await show(image['id']))['status']).toBe('saving')
    outgoing.destroy()
    for (let i = 0; i < 100 && (await show(image['id']))['status'] !== 'queued'; i++)
      await sleep(20)
    expect((await show(image['id']))['status']).toBe('queued')
    expect(await storeFiles()).toEqual([])
  })

  it('streams a many-chunk image to concurrent clients over HTTP and survives one leaving early', async () => {
    const image = await fx.createImage(alice)
    const id = String(image['id'])
    // More than the 4 MiB send buffers one download keeps in flight, so they are reused.
    const data = randomBytes(17 * 1024 * 1024 + 5)
    expect(await fx.upload(alice, id, data)).toBe(204)
    await fx.app.listen({ host: '127.0.0.1', port: 0 })
    const address = fx.app.server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    const get = (headers: Record<string, string> = {}, leaveAfterFirstChunk = false) =>
      new Promise<{ status: number; body: Buffer; md5: unknown }>((done, fail) => {
        const outgoing = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: `/image/v2/images/${id}/file`,
            headers: { 'x-auth-token': alice.token, ...headers },
          },
          (response) => {
            const chunks: Buffer[] = []
            response.on('data', (chunk: Buffer) => {
              chunks.push(chunk)
              if (leaveAfterFirstChunk) outgoing.destroy()
            })
            response.on('error', () => undefined)
            const finish = () =>
              done({
                status: response.statusCode ?? 0,
                body: Buffer.concat(chunks),
                md5: response.headers['content-md5'],
              })
            response.on('end', finish)
            response.on('close', finish)
          },
        )
        outgoing.on('error', (error) => (leaveAfterFirstChunk ? undefined : fail(error)))
        outgoing.end()
      })
    const left = await get({}, true)
    expect(left.body.length).toBeLessThan(data.length)
    const [whole, again, range] = await Promise.all([
      get(),
      get(),
      get({ range: `bytes=${5 * 1024 * 1024 - 3}-${13 * 1024 * 1024}` }),
    ])
    const md5 = createHash('md5').update(data).digest('hex')
    for (const full of [whole, again]) {
      expect(full.status).toBe(200)
      expect(full.md5).toBe(md5)
      expect(full.body.equals(data)).toBe(true)
    }
    expect(range.status).toBe(206)
    expect(range.body.equals(data.subarray(5 * 1024 * 1024 - 3, 13 * 1024 * 1024 + 1))).toBe(true)
  })
})

describe('deactivating', () => {
  it('forbids downloads of a deactivated image to non-admins until it is reactivated', async () => {
    const image = await fx.createImage(alice)
    const id = String(image['id'])
    await fx.upload(alice, id, randomBytes(100))
    const url = `/image/v2/images/${id}`
    expect(
      (await fx.request(alice, { method: 'POST', url: `${url}/actions/deactivate` })).statusCode,
    ).toBe(204)
    expect((await show(id))['status']).toBe('deactivated')
    expect((await fx.request(alice, { method: 'GET', url: `${url}/file` })).statusCode).toBe(403)
    expect((await fx.request(admin, { method: 'GET', url: `${url}/file` })).statusCode).toBe(200)
    expect(
      (await fx.request(alice, { method: 'POST', url: `${url}/actions/reactivate` })).statusCode,
    ).toBe(204)
    expect((await fx.request(alice, { method: 'GET', url: `${url}/file` })).statusCode).toBe(200)
  })

  it('refuses to deactivate a queued image with 403', async () => {
    const image = await fx.createImage(alice)
    const response = await fx.request(alice, {
      method: 'POST',
      url: `/image/v2/images/${String(image['id'])}/actions/deactivate`,
    })
    expect(response.statusCode).toBe(403)
  })
})

describe('interoperable import', () => {
  it('stages data, then glance-direct imports it to an active image', async () => {
    const image = await fx.createImage(alice)
    const id = String(image['id'])
    const data = randomBytes(5000)
    const staged = await fx.request(alice, {
      method: 'PUT',
      url: `/image/v2/images/${id}/stage`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: data,
    })
    expect(staged.statusCode).toBe(204)
    expect((await show(id))['status']).toBe('uploading')
    const started = await fx.request(alice, {
      method: 'POST',
      url: `/image/v2/images/${id}/import`,
      payload: { method: { name: 'glance-direct' } },
    })
    expect(started.statusCode).toBe(202)
    await fx.unit.ctx.background.drain()
    expect(await show(id)).toMatchObject({
      status: 'active',
      size: 5000,
      checksum: createHash('md5').update(data).digest('hex'),
    })
  })

  it('refuses web-download with a clear 400 while no host is allowed', async () => {
    const image = await fx.createImage(alice)
    const response = await fx.request(alice, {
      method: 'POST',
      url: `/image/v2/images/${String(image['id'])}/import`,
      payload: { method: { name: 'web-download', uri: 'http://example.com/x.img' } },
    })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('web-download is disabled')
  })

  it('lists its import methods and its store', async () => {
    const methods = await fx.request(alice, { method: 'GET', url: '/image/v2/info/import' })
    expect(methods.json()).toMatchObject({
      'import-methods': { value: ['glance-direct', 'web-download'] },
    })
    const stores = await fx.request(alice, { method: 'GET', url: '/image/v2/info/stores' })
    expect(stores.json()).toMatchObject({ stores: [{ id: 'file', default: true }] })
  })
})
