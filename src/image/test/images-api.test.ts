/** @module image/test/images-api.test: image create, show, list, update, delete through HTTP */
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

const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' }

describe('creating and showing images', () => {
  it('creates a queued shared image owned by the caller with extra properties at the top level', async () => {
    const image = await fx.createImage(alice, {
      name: 'cirros',
      ramdisk_id: 'x',
      tags: ['a', 'a', 'b'],
    })
    expect(image).toMatchObject({
      name: 'cirros',
      status: 'queued',
      visibility: 'shared',
      owner: alice.projectId,
      protected: false,
      os_hidden: false,
      size: null,
      virtual_size: null,
      checksum: null,
      disk_format: 'raw',
      container_format: 'bare',
      min_disk: 0,
      min_ram: 0,
      ramdisk_id: 'x',
      tags: ['a', 'b'],
      schema: '/v2/schemas/image',
    })
    expect(image['self']).toBe(`/v2/images/${String(image['id'])}`)
    expect(image['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const shown = await fx.request(alice, {
      method: 'GET',
      url: `/image/v2/images/${String(image['id'])}`,
    })
    expect(shown.statusCode).toBe(200)
    expect(shown.json()).toEqual(image)
  })

  it('accepts an id chosen by the caller once, then answers 409', async () => {
    const id = '2b8b1f4e-4a3f-4c5d-9e2f-000000000001'
    await fx.createImage(alice, { id })
    const again = await fx.request(alice, {
      method: 'POST',
      url: '/image/v2/images',
      payload: { id },
    })
    expect(again.statusCode).toBe(409)
  })

  it.each([
    [{ container_format: 'wrong' }],
    [{ disk_format: 'wrong' }],
    [{ min_ram: -1 }],
    [{ protected: 'yes' }],
    [{ foo: 5 }],
  ])('refuses %j with 400', async (body) => {
    const response = await fx.request(alice, {
      method: 'POST',
      url: '/image/v2/images',
      payload: body,
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: '400 Bad Request', title: 'Bad Request' })
  })

  it.each(['status', 'size', 'checksum', 'os_glance_foo', 'deleted'])(
    'refuses to create an image with %s set, with 403',
    async (key) => {
      const response = await fx.request(alice, {
        method: 'POST',
        url: '/image/v2/images',
        payload: { [key]: 'x' },
      })
      expect(response.statusCode).toBe(403)
    },
  )

  it('lets only an admin create a public image', async () => {
    const refused = await fx.request(alice, {
      method: 'POST',
      url: '/image/v2/images',
      payload: { visibility: 'public' },
    })
    expect(refused.statusCode).toBe(403)
    const image = await fx.createImage(admin, { visibility: 'public' })
    expect(image['visibility']).toBe('public')
  })

  it('answers 404 in Glance JSON for a missing image and HTML for a browser', async () => {
    const missing = await fx.request(alice, { method: 'GET', url: '/image/v2/images/nope' })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toEqual({
      message: 'No image found with ID nope<br /><br />\n\n\n',
      code: '404 Not Found',
      title: 'Not Found',
    })
    const html = await fx.request(alice, {
      method: 'GET',
      url: '/image/v2/images/nope',
      headers: { accept: '*/*' },
    })
    expect(html.headers['content-type']).toBe('text/html; charset=UTF-8')
    expect(html.body).toContain('<title>404 Not Found</title>')
  })

  it('answers 404 for an empty image id on show and delete', async () => {
    const get = await fx.request(alice, { method: 'GET', url: '/image/v2/images/' })
    expect(get.statusCode).toBe(404)
    const del = await fx.request(alice, { method: 'DELETE', url: '/image/v2/images/' })
    expect(del.statusCode).toBe(404)
  })

  it('answers 401 without a token', async () => {
    const response = await fx.request(undefined, { method: 'GET', url: '/image/v2/images' })
    expect(response.statusCode).toBe(401)
  })
})

describe('visibility', () => {
  it('hides private images of other projects and shows public ones', async () => {
    const secret = await fx.createImage(alice, { visibility: 'private' })
    const open = await fx.createImage(admin, { visibility: 'public' })
    const asBob = await fx.request(bob, { method: 'GET', url: '/image/v2/images' })
    const ids = asBob.json<{ images: Json[] }>().images.map((i) => i['id'])
    expect(ids).toContain(open['id'])
    expect(ids).not.toContain(secret['id'])
    const show = await fx.request(bob, {
      method: 'GET',
      url: `/image/v2/images/${String(secret['id'])}`,
    })
    expect(show.statusCode).toBe(404)
  })

  it('refuses changes to a visible image the caller does not own with 403', async () => {
    const open = await fx.createImage(admin, { visibility: 'public' })
    const response = await fx.request(alice, {
      method: 'PATCH',
      url: `/image/v2/images/${String(open['id'])}`,
      headers: PATCH,
      payload: [{ op: 'replace', path: '/name', value: 'mine' }],
    })
    expect(response.statusCode).toBe(403)
  })
})

describe('updating with JSON Patch', () => {
  it('adds, replaces and removes properties in both patch dialects', async () => {
    const image = await fx.createImage(alice, { name: 'a' })
    const url = `/image/v2/images/${String(image['id'])}`
    const v21 = await fx.request(alice, {
      method: 'PATCH',
      url,
      headers: PATCH,
      payload: [
        { op: 'replace', path: '/name', value: 'b' },
        { op: 'add', path: '/hw_disk_bus', value: 'scsi' },
        { op: 'replace', path: '/tags', value: ['t1'] },
        { op: 'add', path: '/min_ram', value: 512 },
      ],
    })
    expect(v21.statusCode).toBe(200)
    expect(v21.json()).toMatchObject({ name: 'b', hw_disk_bus: 'scsi', tags: ['t1'], min_ram: 512 })
    const v20 = await fx.request(alice, {
      method: 'PATCH',
      url,
      headers: { 'content-type': 'application/openstack-images-v2.0-json-patch' },
      payload: [{ remove: '/hw_disk_bus' }, { replace: '/name', value: 'c' }],
    })
    expect(v20.statusCode).toBe(200)
    expect(v20.json()).not.toHaveProperty('hw_disk_bus')
    expect(v20.json()).toMatchObject({ name: 'c' })
  })

  it('refuses read-only attributes with 403 and a missing property with 409', async () => {
    const image = await fx.createImage(alice)
    const url = `/image/v2/images/${String(image['id'])}`
    const readOnly = await fx.request(alice, {
      method: 'PATCH',
      url,
      headers: PATCH,
      payload: [{ op: 'replace', path: '/size', value: 5 }],
    })
    expect(readOnly.statusCode).toBe(403)
    const missing = await fx.request(alice, {
      method: 'PATCH',
      url,
      headers: PATCH,
      payload: [{ op: 'remove', path: '/nothing' }],
    })
    expect(missing.statusCode).toBe(409)
  })

  it('refuses a plain JSON body with 415', async () => {
    const image = await fx.createImage(alice)
    const response = await fx.request(alice, {
      method: 'PATCH',
      url: `/image/v2/images/${String(image['id'])}`,
      payload: [{ op: 'replace', path: '/name', value: 'x' }],
    })
    expect(response.statusCode).toBe(415)
  })

  it('refuses more properties than the quota with 413', async () => {
    await fx.close()
    fx = await createImageFixture({ config: { propertyQuota: 2 } })
    const image = await fx.createImage(alice, { a: '1', b: '2' })
    const response = await fx.request(alice, {
      method: 'PATCH',
      url: `/image/v2/images/${String(image['id'])}`,
      headers: PATCH,
      payload: [{ op: 'add', path: '/c', value: '3' }],
    })
    expect(response.statusCode).toBe(413)
  })
})

describe('deleting', () => {
  it('deletes an image, which then answers 404', async () => {
    const image = await fx.createImage(alice)
    const url = `/image/v2/images/${String(image['id'])}`
    expect((await fx.request(alice, { method: 'DELETE', url })).statusCode).toBe(204)
    expect((await fx.request(alice, { method: 'GET', url })).statusCode).toBe(404)
    expect((await fx.request(alice, { method: 'DELETE', url })).statusCode).toBe(404)
  })

  it('refuses to delete a protected image with 403', async () => {
    const image = await fx.createImage(alice, { protected: true })
    const response = await fx.request(alice, {
      method: 'DELETE',
      url: `/image/v2/images/${String(image['id'])}`,
    })
    expect(response.statusCode).toBe(403)
  })
})

describe('tags', () => {
  it('adds and deletes a tag, and a missing tag is 404', async () => {
    const image = await fx.createImage(alice)
    const url = `/image/v2/images/${String(image['id'])}`
    expect((await fx.request(alice, { method: 'PUT', url: `${url}/tags/blue` })).statusCode).toBe(
      204,
    )
    expect((await fx.request(alice, { method: 'GET', url })).json()).toMatchObject({
      tags: ['blue'],
    })
    expect(
      (await fx.request(alice, { method: 'DELETE', url: `${url}/tags/blue` })).statusCode,
    ).toBe(204)
    expect(
      (await fx.request(alice, { method: 'DELETE', url: `${url}/tags/blue` })).statusCode,
    ).toBe(404)
    const none = await fx.request(alice, { method: 'PUT', url: '/image/v2/images/nope/tags/x' })
    expect(none.statusCode).toBe(404)
  })
})
