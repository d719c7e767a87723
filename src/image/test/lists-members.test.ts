/** @module image/test/lists-members.test: list filters, sorting, paging and members through HTTP */
import { randomBytes } from 'node:crypto'
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

async function list(query: string, caller = alice): Promise<{ images: Json[]; next?: string }> {
  const response = await fx.request(caller, { method: 'GET', url: `/image/v2/images${query}` })
  expect(response.statusCode, response.body).toBe(200)
  return response.json()
}

const names = (page: { images: Json[] }) => page.images.map((i) => i['name'])

describe('listing images', () => {
  beforeEach(async () => {
    for (const [name, size, format] of [
      ['a', 100, 'raw'],
      ['b', 300, 'qcow2'],
      ['c', 200, 'raw'],
    ] as const) {
      const image = await fx.createImage(alice, {
        name,
        disk_format: format,
        tags: [`tag-${name}`],
      })
      await fx.upload(alice, String(image['id']), randomBytes(size))
    }
    await fx.createImage(alice, { name: 'hidden', os_hidden: true })
  })

  it('lists newest first by default and leaves hidden images out', async () => {
    expect(names(await list(''))).toEqual(['c', 'b', 'a'])
    expect(names(await list('?os_hidden=true'))).toEqual(['hidden'])
  })

  it('filters by format, size, range, tag, status, name lists and properties', async () => {
    expect(names(await list('?disk_format=raw&sort=name:asc'))).toEqual(['a', 'c'])
    expect(names(await list('?size=300'))).toEqual(['b'])
    expect(names(await list('?size_min=150&size_max=250'))).toEqual(['c'])
    expect(names(await list('?tag=tag-a'))).toEqual(['a'])
    expect(names(await list('?status=queued'))).toEqual([])
    expect(names(await list('?name=in:a,b&sort_key=name&sort_dir=asc'))).toEqual(['a', 'b'])
  })

  it('sorts by size in either direction', async () => {
    expect(names(await list('?sort_key=size&sort_dir=asc'))).toEqual(['a', 'c', 'b'])
    expect(names(await list('?sort=size:desc'))).toEqual(['b', 'c', 'a'])
  })

  it('pages with limit and marker, keeping the filters in the next link', async () => {
    const first = await list('?limit=2&sort=name:asc')
    expect(names(first)).toEqual(['a', 'b'])
    expect(first.next).toMatch(/^\/v2\/images\?limit=2&sort=name%3Aasc&marker=/)
    const second = await list(String(first.next).replace('/v2/images', ''))
    expect(names(second)).toEqual(['c'])
    expect(second.next).toBeUndefined()
  })

  it('filters by creation time with operators', async () => {
    expect(names(await list('?created_at=gt:2000-01-01T00:00:00Z&sort=name:asc'))).toEqual([
      'a',
      'b',
      'c',
    ])
    expect(names(await list('?created_at=lt:2000-01-01T00:00:00Z'))).toEqual([])
  })

  it.each(['?sort_key=bogus', '?sort_dir=up', '?limit=-1', '?visibility=everyone', '?marker=nope'])(
    'refuses %s with 400',
    async (query) => {
      const response = await fx.request(alice, { method: 'GET', url: `/image/v2/images${query}` })
      expect(response.statusCode).toBe(400)
    },
  )

  it('shows an admin every project image', async () => {
    await fx.createImage(bob, { name: 'bobs', visibility: 'private' })
    expect(names(await list('?sort=name:asc', admin))).toContain('bobs')
    expect(names(await list('', alice))).not.toContain('bobs')
  })
})

describe('members', () => {
  async function shared(): Promise<string> {
    return String((await fx.createImage(alice, { name: 'shared-one' }))['id'])
  }

  it('shares an image that the member sees only once it accepts', async () => {
    const id = await shared()
    const added = await fx.request(alice, {
      method: 'POST',
      url: `/image/v2/images/${id}/members`,
      payload: { member: bob.projectId },
    })
    expect(added.statusCode).toBe(200)
    expect(added.json()).toMatchObject({
      image_id: id,
      member_id: bob.projectId,
      status: 'pending',
    })
    expect(names(await list('', bob))).not.toContain('shared-one')
    expect(names(await list('?visibility=shared&member_status=pending', bob))).toEqual([
      'shared-one',
    ])
    const accepted = await fx.request(bob, {
      method: 'PUT',
      url: `/image/v2/images/${id}/members/${bob.projectId}`,
      payload: { status: 'accepted' },
    })
    expect(accepted.statusCode).toBe(200)
    expect(names(await list('', bob))).toContain('shared-one')
    const members = await fx.request(alice, {
      method: 'GET',
      url: `/image/v2/images/${id}/members`,
    })
    expect(members.json()).toMatchObject({
      members: [{ member_id: bob.projectId, status: 'accepted' }],
      schema: '/v2/schemas/members',
    })
    const removed = await fx.request(alice, {
      method: 'DELETE',
      url: `/image/v2/images/${id}/members/${bob.projectId}`,
    })
    expect(removed.statusCode).toBe(204)
    expect(names(await list('', bob))).not.toContain('shared-one')
  })

  it('lets only the member change its status, and refuses unknown statuses', async () => {
    const id = await shared()
    await fx.request(alice, {
      method: 'POST',
      url: `/image/v2/images/${id}/members`,
      payload: { member: bob.projectId },
    })
    const url = `/image/v2/images/${id}/members/${bob.projectId}`
    const byOwner = await fx.request(alice, { method: 'PUT', url, payload: { status: 'accepted' } })
    expect(byOwner.statusCode).toBe(403)
    const bad = await fx.request(bob, { method: 'PUT', url, payload: { status: 'maybe' } })
    expect(bad.statusCode).toBe(400)
    const twice = await fx.request(alice, {
      method: 'POST',
      url: `/image/v2/images/${id}/members`,
      payload: { member: bob.projectId },
    })
    expect(twice.statusCode).toBe(409)
  })

  it('refuses members on a private image with 403', async () => {
    const image = await fx.createImage(alice, { visibility: 'private' })
    const response = await fx.request(alice, {
      method: 'POST',
      url: `/image/v2/images/${String(image['id'])}/members`,
      payload: { member: bob.projectId },
    })
    expect(response.statusCode).toBe(403)
  })
})

describe('discovery', () => {
  it('answers the version document with 300 at the root and 200 at /versions', async () => {
    const root = await fx.request(undefined, { method: 'GET', url: '/image' })
    expect(root.statusCode).toBe(300)
    const versions = root.json<{ versions: Json[] }>().versions
    expect(versions[0]).toMatchObject({ id: 'v2.9', status: 'CURRENT' })
    expect(versions[0]?.['links']).toEqual([{ rel: 'self', href: 'http://localhost:80/image/v2/' }])
    const listed = await fx.request(undefined, { method: 'GET', url: '/image/versions' })
    expect(listed.statusCode).toBe(200)
  })

  it.each(['image', 'images', 'member', 'members'])('serves the %s schema', async (name) => {
    const response = await fx.request(alice, { method: 'GET', url: `/image/v2/schemas/${name}` })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ name })
  })
})
