/** @module object-storage/test/objects-api.test: accounts, containers and objects through HTTP */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { other, owner, startFixture, url, type Fixture } from './object-storage-fixture.js'

let f: Fixture
const auth = { 'x-auth-token': owner.token }

beforeEach(async () => {
  f = await startFixture()
})
afterEach(async () => {
  await f.close()
})

async function put(path: string, body: string, headers: Record<string, string> = {}) {
  return f.server.app.inject({
    method: 'PUT',
    url: url(owner, path),
    headers: { ...auth, ...headers },
    payload: body,
  })
}

describe('object storage API', () => {
  it('creates a container, stores an object and lists it with counts', async () => {
    expect((await put('/c', '')).statusCode).toBe(201)
    const created = await put('/c/a/b.txt', 'hello', { 'x-object-meta-color': 'blue' })
    expect(created.statusCode).toBe(201)
    expect(created.headers['etag']).toBe('5d41402abc4b2a76b9719d911017c592')
    const head = await f.server.app.inject({ method: 'HEAD', url: url(owner, '/c'), headers: auth })
    expect(head.headers['x-container-object-count']).toBe('1')
    expect(head.headers['x-container-bytes-used']).toBe('5')
    const got = await f.server.app.inject({
      method: 'GET',
      url: url(owner, '/c/a/b.txt'),
      headers: auth,
    })
    expect(got.body).toBe('hello')
    expect(got.headers['x-object-meta-color']).toBe('blue')
    expect(got.headers['content-type']).toBe('text/plain')
    const listing = await f.server.app.inject({
      method: 'GET',
      url: url(owner, '/c?format=json&delimiter=/'),
      headers: auth,
    })
    expect(listing.json()).toEqual([{ subdir: 'a/' }])
    const account = await f.server.app.inject({ method: 'HEAD', url: url(owner), headers: auth })
    expect(account.headers['x-account-object-count']).toBe('1')
  })

  it('answers 422 on an ETag mismatch, 411 without a length and 404 for a missing container', async () => {
    await put('/c', '')
    expect((await put('/c/o', 'data', { etag: '0'.repeat(32) })).statusCode).toBe(422)
    const noLength = await f.server.app.inject({
      method: 'PUT',
      url: url(owner, '/c/o'),
      headers: auth,
    })
    expect(noLength.statusCode).toBe(411)
    expect((await put('/missing/o', 'x')).statusCode).toBe(404)
  })

  it('serves ranges, 416 beyond the end, and conditional 304 and 412', async () => {
    await put('/c', '')
    const { headers } = await put('/c/o', '0123456789')
    const get = (extra: Record<string, string>) =>
      f.server.app.inject({
        method: 'GET',
        url: url(owner, '/c/o'),
        headers: { ...auth, ...extra },
      })
    const ranged = await get({ range: 'bytes=2-4' })
    expect(ranged.statusCode).toBe(206)
    expect(ranged.body).toBe('234')
    expect((await get({ range: 'bytes=-3' })).body).toBe('789')
    expect((await get({ range: 'bytes=20-30' })).statusCode).toBe(416)
    expect((await get({ 'if-none-match': String(headers['etag']) })).statusCode).toBe(304)
    expect((await get({ 'if-match': 'nope' })).statusCode).toBe(412)
  })

  it('refuses to delete a container that holds objects, and refuses strangers', async () => {
    await put('/c', '')
    await put('/c/o', 'x')
    const del = await f.server.app.inject({
      method: 'DELETE',
      url: url(owner, '/c'),
      headers: auth,
    })
    expect(del.statusCode).toBe(409)
    const stranger = await f.server.app.inject({
      method: 'GET',
      url: url(owner, '/c/o'),
      headers: { 'x-auth-token': other.token },
    })
    expect(stranger.statusCode).toBe(403)
    const anonymous = await f.server.app.inject({ method: 'GET', url: url(owner, '/c/o') })
    expect(anonymous.statusCode).toBe(401)
  })

  it('lets a project:user grant in X-Container-Read read objects', async () => {
    await put('/c', '', { 'x-container-read': `${other.projectId}:u-${other.projectId}` })
    await put('/c/o', 'shared')
    const got = await f.server.app.inject({
      method: 'GET',
      url: url(owner, '/c/o'),
      headers: { 'x-auth-token': other.token },
    })
    expect(got.body).toBe('shared')
  })

  it('restores a device whose object files were removed, from the other replicas', async () => {
    await put('/c', '')
    await put('/c/o', 'durable')
    const place = f.unit.ctx.cluster.objectPlace('AUTH_p1', 'c', 'o')
    const [first] = place.stores
    if (!first) throw new Error('no replica')
    await rm(join(first.device.path, 'objects'), { recursive: true, force: true })
    expect(await first.store.read(place.partition, place.hash)).toBeUndefined()
    const report = await f.unit.replicate()
    expect(report.objectsRepaired).toBeGreaterThan(0)
    const restored = await first.store.read(place.partition, place.hash)
    expect(restored?.kind).toBe('data')
  })
})

describe('object storage probes and header names', () => {
  let g: Fixture
  beforeEach(async () => {
    g = await startFixture()
  })
  afterEach(async () => {
    await g.close()
  })

  it('answers GET /healthcheck with 200 OK without a token', async () => {
    const res = await g.server.app.inject({ method: 'GET', url: '/object-storage/healthcheck' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('OK')
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
  })

  it('answers GET /crossdomain.xml with the default cross-domain policy', async () => {
    const res = await g.server.app.inject({ method: 'GET', url: '/object-storage/crossdomain.xml' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/xml/)
    expect(res.body.startsWith('<?xml version="1.0"?>')).toBe(true)
    expect(res.body).toContain('<allow-access-from domain="*" secure="false" />')
    expect(res.body.endsWith('</cross-domain-policy>')).toBe(true)
  })

  it('reads underscores in metadata header names as hyphens, as Swift does', async () => {
    await g.server.app.inject({
      method: 'PUT',
      url: url(owner, '/c'),
      headers: { ...auth, 'x-container-meta-test_container_meta': 'Meta1' },
    })
    const head = await g.server.app.inject({ method: 'HEAD', url: url(owner, '/c'), headers: auth })
    expect(head.headers['x-container-meta-test-container-meta']).toBe('Meta1')
  })
})

describe('object copy response', () => {
  let g: Fixture
  beforeEach(async () => {
    g = await startFixture()
  })
  afterEach(async () => {
    await g.close()
  })

  it('answers COPY with the new object user metadata, the source one merged in', async () => {
    await g.server.app.inject({ method: 'PUT', url: url(owner, '/c'), headers: auth })
    await g.server.app.inject({
      method: 'PUT',
      url: url(owner, '/c/src'),
      headers: { ...auth, 'x-object-meta-src': 'src_value' },
      payload: 'data',
    })
    const copied = await g.server.app.inject({
      method: 'COPY' as 'GET',
      url: url(owner, '/c/src'),
      headers: { ...auth, destination: 'c/dst', 'x-object-meta-test': 'value' },
    })
    expect(copied.statusCode).toBe(201)
    expect(copied.headers['x-object-meta-test']).toBe('value')
    expect(copied.headers['x-object-meta-src']).toBe('src_value')
    expect(copied.headers['x-copied-from']).toBe('c/src')
  })
})
