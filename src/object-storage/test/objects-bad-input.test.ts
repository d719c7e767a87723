/** @module object-storage/test/objects-bad-input.test: odd names and bad requests, as Swift answers */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { owner, startFixture, url, type Fixture } from './object-storage-fixture.js'

let f: Fixture
const auth = { 'x-auth-token': owner.token }

beforeEach(async () => {
  f = await startFixture()
  await send('PUT', '/c')
})
afterEach(async () => {
  await f.close()
})

function send(method: 'PUT' | 'GET' | 'HEAD' | 'POST', path: string, options: Req = {}) {
  return f.server.app.inject({
    method,
    url: url(owner, path),
    headers: { ...auth, ...options.headers },
    ...(options.body === undefined ? {} : { payload: options.body }),
  })
}

interface Req {
  headers?: Record<string, string>
  body?: string
}

const encode = (name: string) => name.split('/').map(encodeURIComponent).join('/')

describe('object names', () => {
  it('stores and lists objects with unicode and slashes in their names', async () => {
    const names = ['ünïcødé/日本語.txt', 'a//b/c/', 'emoji-😀', 'spaces and %25 percent']
    for (const name of names) {
      expect((await send('PUT', `/c/${encode(name)}`, { body: name })).statusCode).toBe(201)
    }
    for (const name of names) {
      const got = await send('GET', `/c/${encode(name)}`)
      expect(got.statusCode).toBe(200)
      expect(got.body).toBe(name)
    }
    const listing = await send('GET', '/c?format=json')
    const listed = (listing.json() as { name: string }[]).map((o) => o.name)
    expect(listed).toEqual(
      [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    )
  })

  it('accepts a 1024-byte object name and refuses 1025 bytes with 400', async () => {
    const longest = 'é'.repeat(512)
    expect(Buffer.byteLength(longest)).toBe(1024)
    expect((await send('PUT', `/c/${encode(longest)}`, { body: 'x' })).statusCode).toBe(201)
    expect((await send('GET', `/c/${encode(longest)}`)).body).toBe('x')
    const tooLong = await send('PUT', `/c/${encode(`${longest}a`)}`, { body: 'x' })
    expect(tooLong.statusCode).toBe(400)
  })

  it('refuses a container name over 256 bytes with 400', async () => {
    expect((await send('PUT', `/${'c'.repeat(256)}`)).statusCode).toBe(201)
    expect((await send('PUT', `/${'c'.repeat(257)}`)).statusCode).toBe(400)
  })

  it('refuses a name with a NUL byte with 412', async () => {
    expect((await send('PUT', '/c/bad%00name', { body: 'x' })).statusCode).toBe(412)
  })
})

describe('metadata limits', () => {
  it('accepts metadata at the limits and refuses each limit exceeded with 400', async () => {
    const ok = {
      [`x-object-meta-${'n'.repeat(128)}`]: 'v',
      'x-object-meta-value': 'v'.repeat(256),
    }
    expect((await send('PUT', '/c/o', { body: 'x', headers: ok })).statusCode).toBe(201)
    const over: Record<string, string>[] = [
      { [`x-object-meta-${'n'.repeat(129)}`]: 'v' },
      { 'x-object-meta-value': 'v'.repeat(257) },
      Object.fromEntries(Array.from({ length: 91 }, (_, i) => [`x-object-meta-k${i}`, 'v'])),
      Object.fromEntries(
        Array.from({ length: 17 }, (_, i) => [`x-object-meta-k${i}`, 'v'.repeat(250)]),
      ),
    ]
    for (const headers of over) {
      expect((await send('PUT', '/c/o', { body: 'x', headers })).statusCode).toBe(400)
      expect((await send('POST', '/c/o', { headers })).statusCode).toBe(400)
      const container = Object.fromEntries(
        Object.entries(headers).map(([k, v]) => [k.replace('object', 'container'), v]),
      )
      expect((await send('POST', '/c', { headers: container })).statusCode).toBe(400)
      const account = Object.fromEntries(
        Object.entries(headers).map(([k, v]) => [k.replace('object', 'account'), v]),
      )
      expect((await send('POST', '', { headers: account })).statusCode).toBe(400)
    }
    const head = await send('HEAD', '/c/o')
    expect(head.headers['x-object-meta-value']).toBe('v'.repeat(256))
  })
})

describe('ranges', () => {
  beforeEach(async () => {
    await send('PUT', '/c/r', { body: '0123456789' })
  })

  it('serves the whole object for malformed or negative ranges', async () => {
    for (const range of ['bytes=5-2', 'bytes=-3-5', 'bytes=a-b', 'chars=0-1', 'bytes=-', 'bytes']) {
      const got = await send('GET', '/c/r', { headers: { range } })
      expect(got.statusCode, range).toBe(200)
      expect(got.body, range).toBe('0123456789')
    }
  })

  it('answers 416 with the size when no range overlaps the object', async () => {
    for (const range of ['bytes=10-', 'bytes=20-30', 'bytes=-0']) {
      const got = await send('GET', '/c/r', { headers: { range } })
      expect(got.statusCode, range).toBe(416)
      expect(got.headers['content-range'], range).toBe('bytes */10')
    }
  })

  it('clips a range past the end and serves a suffix range', async () => {
    const clipped = await send('GET', '/c/r', { headers: { range: 'bytes=7-100' } })
    expect(clipped.statusCode).toBe(206)
    expect(clipped.body).toBe('789')
    expect(clipped.headers['content-range']).toBe('bytes 7-9/10')
    const suffix = await send('GET', '/c/r', { headers: { range: 'bytes=-100' } })
    expect(suffix.statusCode).toBe(206)
    expect(suffix.body).toBe('0123456789')
  })
})

describe('uploads', () => {
  it('answers 422 on a wrong ETag and keeps no object', async () => {
    const put = await send('PUT', '/c/e', { body: 'data', headers: { etag: 'f'.repeat(32) } })
    expect(put.statusCode).toBe(422)
    expect((await send('HEAD', '/c/e')).statusCode).toBe(404)
    const quoted = await send('PUT', '/c/e', {
      body: 'data',
      headers: { etag: '"8d777f385d3dfec8815d20f7496026dc"' },
    })
    expect(quoted.statusCode).toBe(201)
  })

  it('answers 411 without Content-Length or chunked encoding and 400 on a bad length', async () => {
    const missing = await f.server.app.inject({
      method: 'PUT',
      url: url(owner, '/c/l'),
      headers: auth,
    })
    expect(missing.statusCode).toBe(411)
    const bad = await send('PUT', '/c/l', { body: 'x', headers: { 'content-length': '-1' } })
    expect(bad.statusCode).toBe(400)
  })

  it('accepts a chunked upload without Content-Length', async () => {
    const res = await f.server.app.inject({
      method: 'PUT',
      url: url(owner, '/c/chunked'),
      headers: { ...auth, 'transfer-encoding': 'chunked' },
      payload: 'streamed body',
    })
    expect(res.statusCode).toBe(201)
    expect((await send('GET', '/c/chunked')).body).toBe('streamed body')
  })
})

describe('system metadata', () => {
  it('never shows x-object-sysmeta headers to clients', async () => {
    await send('PUT', '/c/seg', { body: 'segment' })
    const manifest = JSON.stringify([{ path: '/c/seg' }])
    const put = await f.server.app.inject({
      method: 'PUT',
      url: url(owner, '/c/slo?multipart-manifest=put'),
      headers: auth,
      payload: manifest,
    })
    expect(put.statusCode).toBe(201)
    const head = await send('HEAD', '/c/slo')
    expect(head.headers['x-static-large-object']).toBe('True')
    expect(Object.keys(head.headers).filter((k) => k.includes('sysmeta'))).toEqual([])
    expect((await send('GET', '/c/slo')).body).toBe('segment')
  })
})
