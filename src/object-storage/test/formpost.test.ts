/** @module object-storage/test/formpost.test: HMAC-signed form uploads as Swift's FormPost answers them */
import { createHmac } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { owner, startFixture, url, type Fixture } from './object-storage-fixture.js'

let f: Fixture
const auth = { 'x-auth-token': owner.token }
const KEY = 'form-secret'
const BOUNDARY = '--boundary--'

beforeEach(async () => {
  f = await startFixture()
  await f.server.app.inject({
    method: 'POST',
    url: url(owner),
    headers: { ...auth, 'x-account-meta-temp-url-key': KEY },
  })
  await f.server.app.inject({ method: 'PUT', url: url(owner, '/c'), headers: auth })
})
afterEach(async () => {
  await f.close()
})

interface FormOptions {
  path?: string
  redirect?: string
  maxFileSize?: number
  maxFileCount?: number
  expires?: number
  key?: string
  digest?: 'sha1' | 'sha256'
  files?: { name: string; data: string; type?: string }[]
  extra?: Record<string, string>
}

function form(options: FormOptions = {}) {
  const path = url(owner, options.path ?? '/c/up-')
  const fields: Record<string, string> = {
    redirect: options.redirect ?? '',
    max_file_size: String(options.maxFileSize ?? 1024),
    max_file_count: String(options.maxFileCount ?? 10),
    expires: String(options.expires ?? Math.floor(Date.now() / 1000) + 600),
    ...options.extra,
  }
  const body = [
    path,
    fields['redirect'],
    fields['max_file_size'],
    fields['max_file_count'],
    fields['expires'],
  ].join('\n')
  fields['signature'] = createHmac(options.digest ?? 'sha1', options.key ?? KEY)
    .update(body)
    .digest('hex')
  const lines: string[] = []
  for (const [name, value] of Object.entries(fields))
    lines.push(`--${BOUNDARY}`, `Content-Disposition: form-data; name="${name}"`, '', value)
  for (const file of options.files ?? [{ name: 'hello.txt', data: 'hello world' }]) {
    lines.push(
      `--${BOUNDARY}`,
      `Content-Disposition: form-data; name="file"; filename="${file.name}"`,
      `Content-Type: ${file.type ?? 'application/octet-stream'}`,
      '',
      file.data,
    )
  }
  lines.push(`--${BOUNDARY}--`, '')
  return f.server.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    payload: lines.join('\r\n'),
  })
}

function get(path: string) {
  return f.server.app.inject({ method: 'GET', url: url(owner, path), headers: auth })
}

describe('formpost', () => {
  it('stores each file under the signed prefix, without a token, and answers 201', async () => {
    const res = await form({
      files: [
        { name: 'a.txt', data: 'first', type: 'text/plain' },
        { name: 'b.bin', data: 'second\r\n--not-a-boundary' },
      ],
    })
    expect(res.statusCode).toBe(201)
    expect(res.body).toBe('201 Created')
    const a = await get('/c/up-a.txt')
    expect(a.body).toBe('first')
    expect(a.headers['content-type']).toBe('text/plain')
    expect((await get('/c/up-b.bin')).body).toBe('second\r\n--not-a-boundary')
  })

  it('accepts a SHA-256 signature over the container path and redirects with the status', async () => {
    const res = await form({
      path: '/c',
      digest: 'sha256',
      redirect: 'https://app.example/done?x=1',
    })
    expect(res.statusCode).toBe(303)
    expect(res.headers['location']).toBe('https://app.example/done?x=1&status=201&message=')
    expect(res.body).toContain('Click to continue...')
    expect((await get('/c/hello.txt')).body).toBe('hello world')
  })

  it('answers 401 for an expired form or a wrong signature, storing nothing', async () => {
    const expired = await form({ expires: Math.floor(Date.now() / 1000) - 1 })
    expect(expired.statusCode).toBe(401)
    expect(expired.body).toBe('FormPost: Form Expired')
    const forged = await form({ key: 'guess' })
    expect(forged.statusCode).toBe(401)
    expect(forged.body).toBe('FormPost: Invalid Signature')
    expect((await get('/c/up-hello.txt')).statusCode).toBe(404)
  })

  it('enforces max_file_count and max_file_size, and needs a file', async () => {
    const tooMany = await form({
      maxFileCount: 1,
      files: [
        { name: 'one', data: '1' },
        { name: 'two', data: '2' },
      ],
    })
    expect(tooMany.statusCode).toBe(400)
    expect(tooMany.body).toBe('400 Bad Request\r\nFormPost: Max File Count Exceeded')
    expect((await get('/c/up-one')).statusCode).toBe(200)
    expect((await get('/c/up-two')).statusCode).toBe(404)
    const tooBig = await form({ maxFileSize: 4, files: [{ name: 'big', data: 'x'.repeat(5000) }] })
    expect(tooBig.statusCode).toBe(400)
    expect(tooBig.body).toBe('FormPost: max_file_size exceeded')
    expect((await get('/c/up-big')).statusCode).toBe(404)
    const none = await form({ files: [] })
    expect(none.statusCode).toBe(400)
    expect(none.body).toBe('400 Bad Request\r\nFormPost: No Files To Process')
  })

  it('answers 400 for a body that does not start with the boundary or a bad number', async () => {
    const bad = await f.server.app.inject({
      method: 'POST',
      url: url(owner, '/c/x'),
      headers: { 'content-type': 'multipart/form-data; boundary=zzz' },
      payload: 'nothing like a form',
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toBe('FormPost: invalid starting boundary')
    const nan = await form({ extra: { x_delete_after: 'soon' } })
    expect(nan.statusCode).toBe(400)
    expect(nan.body).toBe('FormPost: x_delete_after not an integer: Number of seconds required.')
  })
})
