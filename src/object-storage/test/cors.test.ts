/** @module object-storage/test/cors.test: container CORS metadata, preflight OPTIONS and actual responses */
import { afterEach, describe, expect, it } from 'vitest'
import type { ObjectStorageConfig } from '../config.js'
import { owner, startFixture, url, type Fixture } from './object-storage-fixture.js'

let f: Fixture | undefined
const auth = { 'x-auth-token': owner.token }

async function start(config: Partial<ObjectStorageConfig> = {}): Promise<Fixture> {
  f = await startFixture(config)
  return f
}
afterEach(async () => {
  await f?.close()
  f = undefined
})

function call(fx: Fixture, method: string, path: string, headers: Record<string, string> = {}) {
  return fx.server.app.inject({ method: method as 'GET', url: url(owner, path), headers })
}

async function corsContainer(fx: Fixture, meta: Record<string, string>) {
  const put = await call(fx, 'PUT', '/web', { ...auth, ...meta })
  expect(put.statusCode).toBe(201)
  await fx.server.app.inject({
    method: 'PUT',
    url: url(owner, '/web/page.html'),
    headers: { ...auth, 'x-object-meta-author': 'ann' },
    payload: '<p>hi</p>',
  })
}

const preflightHeaders = (origin: string, method = 'PUT', extra: Record<string, string> = {}) => ({
  origin,
  'access-control-request-method': method,
  ...extra,
})

describe('CORS', () => {
  it('answers an allowed preflight with the allow headers, as Swift does', async () => {
    const fx = await start()
    await corsContainer(fx, {
      'x-container-meta-access-control-allow-origin': 'https://a.example https://b.example',
      'x-container-meta-access-control-max-age': '600',
    })
    const res = await call(
      fx,
      'OPTIONS',
      '/web/page.html',
      preflightHeaders('https://b.example', 'PUT', {
        'access-control-request-headers': 'x-auth-token, content-type',
      }),
    )
    expect(res.statusCode).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBe('https://b.example')
    expect(res.headers['access-control-max-age']).toBe('600')
    expect(res.headers['access-control-allow-methods']).toBe(
      'HEAD, GET, PUT, POST, DELETE, COPY, OPTIONS',
    )
    expect(res.headers['access-control-allow-headers']).toBe('x-auth-token, content-type')
    expect(res.headers['vary']).toBe('Origin, Access-Control-Request-Headers')
    expect(res.headers['allow']).toBe('HEAD, GET, PUT, POST, DELETE, COPY, OPTIONS')
    const onContainer = await call(fx, 'OPTIONS', '/web', preflightHeaders('https://a.example'))
    expect(onContainer.statusCode).toBe(200)
    expect(onContainer.headers['access-control-allow-methods']).toBe(
      'HEAD, GET, PUT, POST, DELETE, OPTIONS',
    )
  })

  it('answers 401 to a preflight from an origin, or for a method, the container does not allow', async () => {
    const fx = await start()
    await corsContainer(fx, {
      'x-container-meta-access-control-allow-origin': 'https://a.example',
    })
    const stranger = await call(
      fx,
      'OPTIONS',
      '/web/page.html',
      preflightHeaders('https://evil.example'),
    )
    expect(stranger.statusCode).toBe(401)
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined()
    expect(stranger.headers['allow']).toBe('HEAD, GET, PUT, POST, DELETE, COPY, OPTIONS')
    expect(stranger.body).toContain('<h1>Unauthorized</h1>')
    const badMethod = await call(
      fx,
      'OPTIONS',
      '/web/page.html',
      preflightHeaders('https://a.example', 'TRACE'),
    )
    expect(badMethod.statusCode).toBe(401)
    const noMethod = await call(fx, 'OPTIONS', '/web/page.html', { origin: 'https://a.example' })
    expect(noMethod.statusCode).toBe(401)
    const missing = await call(fx, 'OPTIONS', '/nowhere/o', preflightHeaders('https://a.example'))
    expect(missing.statusCode).toBe(401)
  })

  it('answers OPTIONS without an Origin, and on the account, with 200 and Allow only', async () => {
    const fx = await start()
    await corsContainer(fx, {})
    const plain = await call(fx, 'OPTIONS', '/web/page.html')
    expect(plain.statusCode).toBe(200)
    expect(plain.headers['allow']).toBe('HEAD, GET, PUT, POST, DELETE, COPY, OPTIONS')
    const account = await call(fx, 'OPTIONS', '', preflightHeaders('https://a.example'))
    expect(account.statusCode).toBe(200)
    expect(account.headers['allow']).toBe('HEAD, GET, POST, OPTIONS')
    expect(account.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('puts Allow-Origin and Expose-Headers on actual responses, errors included, for allowed origins only', async () => {
    const fx = await start({ corsExposeHeaders: ['x-operator'] })
    await corsContainer(fx, {
      'x-container-meta-access-control-allow-origin': 'https://a.example',
      'x-container-meta-access-control-expose-headers': 'X-Custom content-length',
    })
    const got = await call(fx, 'GET', '/web/page.html', { ...auth, origin: 'https://a.example' })
    expect(got.statusCode).toBe(200)
    expect(got.headers['access-control-allow-origin']).toBe('https://a.example')
    expect(got.headers['vary']).toBe('Origin')
    const exposed = String(got.headers['access-control-expose-headers']).split(', ')
    expect(exposed).toEqual(
      expect.arrayContaining([
        'etag',
        'x-timestamp',
        'x-trans-id',
        'x-openstack-request-id',
        'x-object-meta-author',
        'x-custom',
        'content-length',
        'x-operator',
      ]),
    )
    const missing = await call(fx, 'GET', '/web/nope', { ...auth, origin: 'https://a.example' })
    expect(missing.statusCode).toBe(404)
    expect(missing.headers['access-control-allow-origin']).toBe('https://a.example')
    const denied = await call(fx, 'GET', '/web/page.html', { origin: 'https://a.example' })
    expect(denied.statusCode).toBe(401)
    expect(denied.headers['access-control-allow-origin']).toBe('https://a.example')
    const other = await call(fx, 'GET', '/web/page.html', { ...auth, origin: 'https://b.example' })
    expect(other.statusCode).toBe(200)
    expect(other.headers['access-control-allow-origin']).toBeUndefined()
    const sameOrigin = await call(fx, 'GET', '/web/page.html', auth)
    expect(sameOrigin.headers['access-control-expose-headers']).toBeUndefined()
  })

  it("answers '*' for a container open to every origin, and honours the operator's origins", async () => {
    const fx = await start({ corsAllowOrigin: ['https://ops.example'] })
    await corsContainer(fx, { 'x-container-meta-access-control-allow-origin': '*' })
    const res = await call(
      fx,
      'OPTIONS',
      '/web/page.html',
      preflightHeaders('https://any.example', 'GET'),
    )
    expect(res.statusCode).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.headers['vary']).toBeUndefined()
    const head = await call(fx, 'HEAD', '/web', { ...auth, origin: 'https://any.example' })
    expect(head.headers['access-control-allow-origin']).toBe('*')
    expect(head.headers['access-control-expose-headers']).toContain(
      'x-container-meta-access-control-allow-origin',
    )
    await call(fx, 'PUT', '/closed', auth)
    const ops = await call(fx, 'OPTIONS', '/closed', preflightHeaders('https://ops.example', 'GET'))
    expect(ops.statusCode).toBe(200)
    expect(ops.headers['access-control-allow-origin']).toBe('https://ops.example')
  })
})
