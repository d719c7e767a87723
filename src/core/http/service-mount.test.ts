/** @module core/http/service-mount.test */
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { AuthIdentity, TokenValidator } from '../auth/index.js'
import { ConflictError, NotFoundError, UnauthorizedError } from '../errors/index.js'
import { renderComputeFault } from '../faults/index.js'
import { silentLogger } from '../log/index.js'
import { createPolicyEnforcer } from '../policy/index.js'
import type { Route } from './route.js'
import { createHttpServer, type HttpServer } from './server.js'
import { mountService } from './service-mount.js'

function identity(roles: string[]): AuthIdentity {
  return {
    userId: `user-${roles.join('-')}`,
    userName: 'u',
    userDomainId: 'default',
    userDomainName: 'Default',
    projectId: 'p1',
    roles,
    roleIds: roles,
    auditIds: ['a'],
    expiresAt: '2030-01-01T00:00:00Z',
    issuedAt: '2026-01-01T00:00:00Z',
    methods: ['password'],
  }
}

/** Accepts the tokens `reader` and `admin`, refuses anything else with a 401. */
const tokens: TokenValidator = {
  async validate(token) {
    if (token === 'reader') return identity(['reader'])
    if (token === 'admin') return identity(['admin', 'reader'])
    throw new UnauthorizedError()
  },
}

function routes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/things/:id',
      policy: 'thing:get',
      schema: { params: { type: 'object', properties: { id: { type: 'string', maxLength: 5 } } } },
      errors: [404],
      async handler(input) {
        input.authorize({ project_id: input.context.identity?.projectId })
        const id = input.params['id']
        if (id === 'gone') throw new NotFoundError('No such thing.')
        if (id === 'busy') throw new ConflictError('Thing is busy.')
        if (id === 'boom') throw new Error('kaput: secret detail')
        return { status: 200, body: { thing: { id, by: input.context.identity?.userId } } }
      },
    },
    {
      method: 'POST',
      path: '/things',
      policy: 'thing:create',
      schema: {
        body: {
          type: 'object',
          required: ['thing'],
          properties: { thing: { type: 'object', required: ['name'] } },
        },
      },
      bodyLimit: 200,
      errors: [],
      async handler(input) {
        input.authorize()
        return { status: 201, body: input.body }
      },
    },
    {
      method: 'GET',
      path: '/forgetful',
      policy: 'thing:get',
      errors: [],
      async handler() {
        return { status: 200, body: {} }
      },
    },
    {
      method: 'GET',
      path: '/open',
      auth: 'none',
      errors: [],
      async handler(input) {
        return { status: 200, body: { caller: input.context.identity?.userId ?? null } }
      },
    },
    {
      method: 'OPTIONS',
      path: '/open',
      auth: 'none',
      errors: [],
      async handler() {
        return { status: 200, headers: { allow: 'GET, OPTIONS' } }
      },
    },
    {
      method: 'GET',
      path: '/maybe',
      auth: 'optional',
      errors: [],
      async handler(input) {
        return {
          status: 200,
          body: {
            caller: input.context.identity?.userId ?? null,
            service: input.context.service?.userId ?? null,
          },
        }
      },
    },
  ]
}

let server: HttpServer | undefined

afterEach(async () => {
  await server?.app.close()
  server = undefined
})

/** A listener with the test routes under `/svc`, logging errors into `logs`. */
async function start(logs: string[] = []) {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk))
      done()
    },
  })
  server = createHttpServer({ logger: silentLogger() })
  await mountService(server.app, {
    name: 'things',
    prefixes: ['/svc'],
    routes: routes(),
    faults: renderComputeFault,
    logger: pino({ level: 'error' }, sink),
    tokens,
    policy: createPolicyEnforcer({
      defaults: { 'thing:get': 'role:reader', 'thing:create': 'role:admin' },
    }),
  })
  const app = server.app
  return (method: string, url: string, headers: Record<string, string> = {}, payload?: unknown) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...headers,
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    })
}

describe('mountService', () => {
  it('runs an authorized handler and sends its view with a request id', async () => {
    const call = await start()
    const response = await call('GET', '/svc/things/t1', { 'x-auth-token': 'reader' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ thing: { id: 't1', by: 'user-reader' } })
    expect(response.headers['x-openstack-request-id']).toMatch(/^req-/)
  })

  it('routes OPTIONS only where a route declares it', async () => {
    const call = await start()
    const declared = await call('OPTIONS', '/svc/open')
    expect(declared.statusCode).toBe(200)
    expect(declared.headers['allow']).toBe('GET, OPTIONS')
    expect(declared.headers['x-openstack-request-id']).toMatch(/^req-/)
    expect((await call('OPTIONS', '/svc/things/t1')).statusCode).toBe(404)
  })

  it('answers a missing or invalid token with 401 in the service’s fault format', async () => {
    const call = await start()
    for (const headers of [{}, { 'x-auth-token': 'forged' }] as Record<string, string>[]) {
      const response = await call('GET', '/svc/things/t1', headers)
      expect(response.statusCode).toBe(401)
      expect(response.json()).toEqual({
        unauthorized: {
          code: 401,
          message: 'The request you have made requires authentication.',
        },
      })
    }
  })

  it('answers a policy failure with 403 naming the rule', async () => {
    const call = await start()
    const response = await call(
      'POST',
      '/svc/things',
      { 'x-auth-token': 'reader' },
      { thing: { name: 'x' } },
    )
    expect(response.statusCode).toBe(403)
    expect(response.json().forbidden.message).toBe(
      'You are not authorized to perform the requested action: thing:create.',
    )
  })

  it('renders a declared error status as the service does', async () => {
    const call = await start()
    const response = await call('GET', '/svc/things/gone', { 'x-auth-token': 'reader' })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toEqual({ itemNotFound: { code: 404, message: 'No such thing.' } })
  })

  it('turns an undeclared status into a logged 500 with a generic message', async () => {
    const logs: string[] = []
    const call = await start(logs)
    const response = await call('GET', '/svc/things/busy', { 'x-auth-token': 'reader' })
    expect(response.statusCode).toBe(500)
    expect(response.json().computeFault.message).toBe(
      'An unexpected error prevented the server from fulfilling your request.',
    )
    expect(logs.join('')).toContain('undeclared error status 409')
  })

  it('turns an unexpected exception into a logged 500 without its details', async () => {
    const logs: string[] = []
    const call = await start(logs)
    const response = await call('GET', '/svc/things/boom', { 'x-auth-token': 'reader' })
    expect(response.statusCode).toBe(500)
    expect(response.body).not.toContain('secret detail')
    expect(logs.join('')).toContain('kaput: secret detail')
  })

  it('fails a handler that never checked its policy rule', async () => {
    const call = await start()
    const response = await call('GET', '/svc/forgetful', { 'x-auth-token': 'admin' })
    expect(response.statusCode).toBe(500)
  })

  it('validates path parameters and bodies with 400s naming the field', async () => {
    const call = await start()
    const long = await call('GET', '/svc/things/toolong', { 'x-auth-token': 'reader' })
    expect(long.statusCode).toBe(400)
    expect(long.json().badRequest.message).toContain("'id' in params")
    const missing = await call('POST', '/svc/things', { 'x-auth-token': 'admin' }, { thing: {} })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().badRequest.message).toBe(
      "Invalid input for field 'thing.name': 'name' is a required property.",
    )
  })

  it('authenticates before validating, so strangers learn nothing from 400s', async () => {
    const call = await start()
    const response = await call('POST', '/svc/things', {}, { thing: {} })
    expect(response.statusCode).toBe(401)
  })

  it('applies a route’s own body limit with a 413', async () => {
    const call = await start()
    const response = await call(
      'POST',
      '/svc/things',
      { 'x-auth-token': 'admin' },
      { thing: { name: 'x'.repeat(300) } },
    )
    expect(response.statusCode).toBe(413)
    expect(response.json()).toHaveProperty('overLimit')
  })

  it('serves routes without authentication and with optional authentication', async () => {
    const call = await start()
    expect((await call('GET', '/svc/open')).json()).toEqual({ caller: null })
    expect((await call('GET', '/svc/maybe')).json()).toEqual({ caller: null, service: null })
    const both = await call('GET', '/svc/maybe', {
      'x-auth-token': 'reader',
      'x-service-token': 'admin',
    })
    expect(both.json()).toEqual({ caller: 'user-reader', service: 'user-admin-reader' })
    const badService = await call('GET', '/svc/maybe', {
      'x-auth-token': 'reader',
      'x-service-token': 'forged',
    })
    expect(badService.statusCode).toBe(401)
  })

  it('answers HEAD for a GET route without a body', async () => {
    const call = await start()
    const response = await call('HEAD', '/svc/things/t1', { 'x-auth-token': 'reader' })
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe('')
  })

  it('answers an unknown path under the prefix with the service’s 404', async () => {
    const call = await start()
    const response = await call('GET', '/svc/nothing/here')
    expect(response.statusCode).toBe(404)
    expect(response.json()).toEqual({
      itemNotFound: { code: 404, message: 'The resource could not be found.' },
    })
  })
})

describe('mountService with microversions', () => {
  let server: HttpServer | undefined
  afterEach(async () => {
    await server?.app.close()
    server = undefined
  })

  async function startVersioned(): Promise<HttpServer> {
    const created = createHttpServer({ logger: silentLogger() })
    await mountService(created.app, {
      name: 'versioned',
      prefixes: ['/v'],
      faults: renderComputeFault,
      logger: silentLogger(),
      tokens,
      policy: createPolicyEnforcer({ defaults: { 'thing:get': '' } }),
      microversion: { serviceType: 'compute', min: '2.1', max: '2.90' },
      routes: [
        {
          method: 'GET',
          path: '/tagged',
          policy: 'thing:get',
          microversion: { min: '2.26' },
          errors: [],
          async handler(input) {
            input.authorize()
            return { status: 200, body: { version: input.microversion?.toString() } }
          },
        },
      ],
    })
    return created
  }

  it('answers a malformed version with 400 and one out of range with 406 in the service’s format', async () => {
    server = await startVersioned()
    const bad = await server.app.inject({
      url: '/v/tagged',
      headers: { 'x-auth-token': 'reader', 'openstack-api-version': 'compute 2.x' },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ badRequest: { code: 400 } })
    const high = await server.app.inject({
      url: '/v/tagged',
      headers: { 'x-auth-token': 'reader', 'openstack-api-version': 'compute 2.999' },
    })
    expect(high.statusCode).toBe(406)
    expect(high.json().notAcceptable.message).toContain('maximum is 2.90')
  })

  it('serves a route inside its range and hides it below, echoing the version', async () => {
    server = await startVersioned()
    const ok = await server.app.inject({
      url: '/v/tagged',
      headers: { 'x-auth-token': 'reader', 'openstack-api-version': 'compute 2.30' },
    })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({ version: '2.30' })
    expect(ok.headers['openstack-api-version']).toBe('compute 2.30')
    const low = await server.app.inject({ url: '/v/tagged', headers: { 'x-auth-token': 'reader' } })
    expect(low.statusCode).toBe(404)
  })
})
