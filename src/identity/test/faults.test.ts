/** @module identity/test/faults.test: bad input and unknown routes give clear 4xx, never a 500 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { identityRoutes } from '../api/routes.js'
import { createIdentityFixture, type IdentityFixture } from './identity-fixture.js'

/** Keystone's `max_request_body_size`. */
const BODY_LIMIT = 114_688

describe('bad input', () => {
  let fx: IdentityFixture

  beforeEach(async () => {
    fx = await createIdentityFixture()
  })

  afterEach(async () => {
    await fx.close()
  })

  function post(url: string, payload: string, type = 'application/json') {
    return fx.call('POST', url, {
      token: fx.adminToken,
      payload,
      headers: { 'content-type': type },
    })
  }

  it('answers malformed JSON with 400 saying so', async () => {
    const response = await post('/v3/users', '{"user": {"name": "x",}}')
    expect(response.status).toBe(400)
    expect(response.body.error.code).toBe(400)
    expect(response.body.error.title).toBe('Bad Request')
    expect(response.body.error.message).toMatch(/^Malformed request body: /)
  })

  it.each([
    ['a wrong type', { user: { name: 'x', enabled: 'yes' } }, "'user.enabled'", "type 'boolean'"],
    ['a number for a string', { user: { name: 42 } }, "'user.name'", "type 'string'"],
    ['a missing field', { user: { enabled: true } }, "'user.name'", 'required'],
    ['a missing wrapper', { name: 'x' }, "'user'", 'required'],
    ['an empty name', { user: { name: '' } }, "'user.name'", 'fewer than 1'],
    ['a blank name', { user: { name: '   ' } }, "'user.name'", 'pattern'],
    ['a name too long', { user: { name: 'n'.repeat(256) } }, "'user.name'", 'more than 255'],
  ])('answers %s with 400 naming the field', async (_what, body, field, words) => {
    const response = await fx.call('POST', '/v3/users', { token: fx.adminToken, body })
    expect(response.status).toBe(400)
    expect(response.body.error.message).toContain(`Invalid input for field ${field}`)
    expect(response.body.error.message).toContain(words)
  })

  it.each([
    ['an array', '[]'],
    ['a string', '"user"'],
    ['null', 'null'],
    ['nothing', ''],
  ])('answers a body that is %s with 400', async (_what, payload) => {
    const response = await post('/v3/users', payload)
    expect(response.status).toBe(400)
    expect(response.body.error.message).toMatch(/^Invalid input/)
  })

  it('names the nested field of a token request', async () => {
    const response = await fx.call('POST', '/v3/auth/tokens', {
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'admin', domain: { id: 'default' }, password: 7 } },
          },
        },
      },
    })
    expect(response.status).toBe(400)
    expect(response.body.error.message).toBe(
      "Invalid input for field 'auth.identity.password.user.password': is not of type 'string'.",
    )
  })

  it('answers an empty list of methods with 400', async () => {
    const response = await fx.call('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: [] } } },
    })
    expect(response.status).toBe(400)
    expect(response.body.error.message).toContain("'auth.identity.methods'")
  })

  it('answers a body over 114688 bytes with 413 in Keystone format', async () => {
    const description = 'x'.repeat(BODY_LIMIT)
    const response = await fx.call('POST', '/v3/projects', {
      token: fx.adminToken,
      body: { project: { name: 'big', description } },
    })
    expect(response.status).toBe(413)
    expect(response.body.error.code).toBe(413)
    expect(response.body.error.title).toBe('Payload Too Large')
    expect(response.body.error.message).not.toBe('')
  })

  it('accepts a body just under the limit', async () => {
    const description = 'x'.repeat(BODY_LIMIT - 100)
    const response = await fx.call('POST', '/v3/projects', {
      token: fx.adminToken,
      body: { project: { name: 'big', description } },
    })
    expect(response.status).toBe(201)
  })

  it('answers a token request over the limit with 413 too', async () => {
    const response = await fx.call('POST', '/v3/auth/tokens', {
      payload: JSON.stringify({ auth: { identity: { methods: ['x'.repeat(BODY_LIMIT)] } } }),
      headers: { 'content-type': 'application/json' },
    })
    expect(response.status).toBe(413)
  })

  it('answers a body of another media type with 400 or 415, never 500', async () => {
    const text = await post('/v3/users', 'name=x', 'text/plain')
    expect(text.status).toBe(400)
    const form = await post('/v3/users', 'name=x', 'application/x-www-form-urlencoded')
    expect(form.status).toBe(415)
    expect(form.body.error.code).toBe(415)
  })

  it('answers a path parameter over 255 characters with 400 naming it', async () => {
    const response = await fx.call('GET', `/v3/users/${'u'.repeat(300)}`, {
      token: fx.adminToken,
    })
    expect(response.status).toBe(400)
    expect(response.body.error.message).toContain("'userId' in params")
  })

  it('answers an invalid expiry of an application credential with 400 naming it', async () => {
    const alice = await fx.createMember('alice')
    const response = await fx.call('POST', `/v3/users/${alice.user.id}/application_credentials`, {
      token: alice.token,
      body: { application_credential: { name: 'x', expires_at: 'tomorrow' } },
    })
    expect(response.status).toBe(400)
    expect(response.body.error.message).toContain("'expires_at'")
  })

  it('answers an unexpected field of an application credential with 400 naming it', async () => {
    const alice = await fx.createMember('alice')
    const response = await fx.call('POST', `/v3/users/${alice.user.id}/application_credentials`, {
      token: alice.token,
      body: { application_credential: { name: 'x', colour: 'red' } },
    })
    expect(response.status).toBe(400)
    expect(response.body.error.message).toContain("'application_credential.colour'")
  })
})

describe('routes', () => {
  let fx: IdentityFixture

  beforeAll(async () => {
    fx = await createIdentityFixture()
  })

  afterAll(async () => {
    await fx.close()
  })

  it.each([['/v3/nope'], ['/v3/users/x/nope'], ['/identity/v3/nope']])(
    'answers an unknown route %s with 404 in Keystone format',
    async (path) => {
      const response = await fx.call('GET', path, { token: fx.adminToken })
      expect(response.status).toBe(404)
      expect(response.body).toEqual({
        error: { code: 404, title: 'Not Found', message: 'The resource could not be found.' },
      })
    },
  )

  it('answers an unknown path outside the services with 404 in Keystone format', async () => {
    const response = await fx.call('GET', '/nope?x=1')
    expect(response.status).toBe(404)
    expect(response.body.error).toEqual({
      code: 404,
      title: 'Not Found',
      message: 'No route for GET /nope',
    })
  })

  it('serves the same API under /identity/v3', async () => {
    const response = await fx.call('GET', '/identity/v3/users', { token: fx.adminToken })
    expect(response.status).toBe(200)
    expect(response.body.users[0].links.self).toMatch(
      /^http:\/\/localhost:80\/identity\/v3\/users\//,
    )
  })

  it('lists versions at the root and shows v3 at /v3', async () => {
    const root = await fx.call('GET', '/')
    expect(root.status).toBe(300)
    expect(root.body.versions.values[0]).toMatchObject({ id: 'v3.14', status: 'stable' })
    const v3 = await fx.call('GET', '/v3', { headers: { host: 'keystone.example:5000' } })
    expect(v3.body.version.links[0].href).toBe('http://keystone.example:5000/v3/')
  })

  it('answers HEAD on a GET route without a body', async () => {
    const response = await fx.call('HEAD', '/v3/users', { token: fx.adminToken })
    expect(response.status).toBe(200)
    expect(response.text).toBe('')
    expect(Number(response.headers['content-length'])).toBeGreaterThan(0)
  })

  it('sends a request id, keeping a well-formed one the caller gave', async () => {
    const generated = await fx.call('GET', '/v3')
    expect(generated.headers['x-openstack-request-id']).toMatch(/^req-[0-9a-f-]{36}$/)
    const given = 'req-12345678-1234-1234-1234-123456789012'
    const echoed = await fx.call('GET', '/v3/nope', {
      headers: { 'x-openstack-request-id': given },
    })
    expect(echoed.headers['x-openstack-request-id']).toBe(given)
    const bogus = await fx.call('GET', '/v3', { headers: { 'x-openstack-request-id': 'evil' } })
    expect(bogus.headers['x-openstack-request-id']).not.toBe('evil')
  })
})

describe('every route with bad input', () => {
  let fx: IdentityFixture

  beforeAll(async () => {
    fx = await createIdentityFixture()
  })

  afterAll(async () => {
    await fx.close()
  })

  const payloads = ['{', '[]', '"x"', '{}', '{"a": 1}', JSON.stringify({ x: { y: [1, null] } })]

  /** Bodies that get past the wrapper key a route requires, to reach its handler. */
  function wrapped(schema: Record<string, unknown> | undefined): string[] {
    const key = (schema?.['required'] as string[] | undefined)?.[0]
    if (key === undefined) return []
    return [
      { [key]: 5 },
      { [key]: {} },
      { [key]: { name: 5, id: [], enabled: 'no' } },
      { [key]: { name: 'x', enabled: true, type: 'ec2', blob: '{}', user_id: 'x' } },
      { [key]: { name: 'x', parent_id: 'x', domain_id: 'x', tags: ['a/b'] } },
    ].map((body) => JSON.stringify(body))
  }

  it('answers 4xx with a message in Keystone format, never a 500', async () => {
    const routes = identityRoutes(fx.unit.ctx)
    let requests = 0
    for (const route of routes) {
      const path = `/v3${route.path}`.replace(/:\w+/g, 'x').replace(/\/$/, '')
      const bodies = ['POST', 'PUT', 'PATCH'].includes(route.method)
        ? [...payloads, ...wrapped(route.schema?.body)]
        : [undefined]
      for (const payload of bodies) {
        const response = await fx.call(route.method, path, {
          token: fx.adminToken,
          ...(payload !== undefined
            ? { payload, headers: { 'content-type': 'application/json' } }
            : {}),
        })
        requests++
        const where = `${route.method} ${path} ${payload ?? ''} -> ${response.status} ${response.text}`
        expect(response.status, where).toBeLessThan(500)
        if (response.status >= 400 && route.method !== 'HEAD') {
          expect(response.body?.error?.code, where).toBe(response.status)
          expect(response.body?.error?.message, where).toMatch(/\S/)
        }
      }
    }
    expect(requests).toBeGreaterThan(200)
  })
})
