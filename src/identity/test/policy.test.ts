/** @module identity/test/policy.test: what members, readers and anonymous callers may do */
import { afterEach, describe, expect, it } from 'vitest'
import {
  createIdentityFixture,
  type IdentityFixture,
  type IdentityFixtureOptions,
} from './identity-fixture.js'

const fixtures: IdentityFixture[] = []

async function start(options: IdentityFixtureOptions = {}): Promise<IdentityFixture> {
  const fx = await createIdentityFixture(options)
  fixtures.push(fx)
  return fx
}

afterEach(async () => {
  for (const fx of fixtures.splice(0)) await fx.close()
})

describe('a project member', () => {
  it.each([
    ['GET', '/v3/users', 'identity:list_users'],
    ['POST', '/v3/users', 'identity:create_user'],
    ['GET', '/v3/domains', 'identity:list_domains'],
    ['POST', '/v3/domains', 'identity:create_domain'],
    ['GET', '/v3/projects', 'identity:list_projects'],
    ['POST', '/v3/projects', 'identity:create_project'],
    ['GET', '/v3/roles', 'identity:list_roles'],
    ['POST', '/v3/roles', 'identity:create_role'],
    ['GET', '/v3/groups', 'identity:list_groups'],
    ['GET', '/v3/role_assignments', 'identity:list_role_assignments'],
    ['POST', '/v3/regions', 'identity:create_region'],
    ['GET', '/v3/services', 'identity:list_services'],
    ['GET', '/v3/role_inferences', 'identity:list_role_inference_rules'],
  ])('gets 403 in Keystone format for %s %s', async (method, path, rule) => {
    const fx = await start()
    const alice = await fx.createMember('alice')
    const bodies: Record<string, unknown> = {
      '/v3/users': { user: { name: 'mallory' } },
      '/v3/domains': { domain: { name: 'evil' } },
      '/v3/projects': { project: { name: 'evil' } },
      '/v3/roles': { role: { name: 'evil' } },
      '/v3/regions': { region: { id: 'evil' } },
    }
    const response = await fx.call(method, path, {
      token: alice.token,
      ...(method === 'POST' ? { body: bodies[path] } : {}),
    })
    expect(response.status).toBe(403)
    expect(response.body).toEqual({
      error: {
        code: 403,
        title: 'Forbidden',
        message: `You are not authorized to perform the requested action: ${rule}.`,
      },
    })
  })

  it('may not change its own project, role assignments or user', async () => {
    const fx = await start()
    const alice = await fx.createMember('alice')
    const adminRole = await fx.roleId('admin')
    const attempts = [
      fx.call('PATCH', `/v3/projects/${alice.project.id}`, {
        token: alice.token,
        body: { project: { description: 'mine now' } },
      }),
      fx.call('PUT', `/v3/projects/${alice.project.id}/users/${alice.user.id}/roles/${adminRole}`, {
        token: alice.token,
      }),
      fx.call('PATCH', `/v3/users/${alice.user.id}`, {
        token: alice.token,
        body: { user: { enabled: true } },
      }),
      fx.call('DELETE', `/v3/projects/${alice.project.id}`, { token: alice.token }),
    ]
    for (const response of await Promise.all(attempts)) expect(response.status).toBe(403)
  })

  it('may read its own user and project, but not others', async () => {
    const fx = await start()
    const alice = await fx.createMember('alice')
    const bob = await fx.createMember('bob')
    const read = (path: string) => fx.call('GET', path, { token: alice.token })
    expect((await read(`/v3/users/${alice.user.id}`)).status).toBe(200)
    expect((await read(`/v3/projects/${alice.project.id}`)).status).toBe(200)
    expect((await read(`/v3/projects/${alice.project.id}/tags`)).status).toBe(200)
    expect((await read(`/v3/users/${alice.user.id}/projects`)).status).toBe(200)
    expect((await read(`/v3/users/${bob.user.id}`)).status).toBe(403)
    expect((await read(`/v3/projects/${bob.project.id}`)).status).toBe(403)
    expect((await read(`/v3/users/${bob.user.id}/projects`)).status).toBe(403)
  })

  it('may read its project’s domain', async () => {
    const fx = await start()
    const alice = await fx.createMember('alice')
    expect((await fx.call('GET', '/v3/domains/default', { token: alice.token })).status).toBe(200)
  })

  it('may read its own user with an unscoped token', async () => {
    const fx = await start()
    const alice = await fx.createMember('alice')
    const token = await fx.token({ id: alice.user.id }, alice.password, 'unscoped')
    expect((await fx.call('GET', `/v3/users/${alice.user.id}`, { token })).status).toBe(200)
    expect((await fx.call('GET', `/v3/projects/${alice.project.id}`, { token })).status).toBe(403)
  })

  it('follows a policy override', async () => {
    const fx = await start({ policyOverrides: { 'identity:list_users': 'role:reader' } })
    const alice = await fx.createMember('alice')
    expect((await fx.call('GET', '/v3/users', { token: alice.token })).status).toBe(200)
    expect((await fx.call('GET', '/v3/groups', { token: alice.token })).status).toBe(403)
  })
})

describe('a domain-scoped user', () => {
  it('may list the projects of its domain', async () => {
    const fx = await start()
    const dom = await fx.createUser('dom', { password: 'dom-pw' })
    const member = await fx.roleId('member')
    await fx.call('PUT', `/v3/domains/default/users/${dom.id}/roles/${member}`, {
      token: fx.adminToken,
    })
    const token = await fx.token({ id: dom.id }, 'dom-pw', { domain: { id: 'default' } })
    expect((await fx.call('GET', '/v3/projects?domain_id=default', { token })).status).toBe(200)
    expect((await fx.call('GET', '/v3/projects', { token })).status).toBe(403)
  })
})

describe('a caller without a valid token', () => {
  it.each([
    ['no token', undefined],
    ['a malformed token', 'not-a-token'],
    ['a token signed elsewhere', `gAAAAA${'A'.repeat(150)}`],
  ])('gets 401 in Keystone format with %s', async (_what, token) => {
    const fx = await start()
    const response = await fx.call('GET', '/v3/users', token !== undefined ? { token } : {})
    expect(response.status).toBe(401)
    expect(response.body).toEqual({
      error: {
        code: 401,
        title: 'Unauthorized',
        message: 'The request you have made requires authentication.',
      },
    })
  })

  it('may still discover versions and ask for a token', async () => {
    const fx = await start()
    expect((await fx.call('GET', '/v3')).status).toBe(200)
    expect((await fx.call('GET', '/')).status).toBe(300)
    expect((await fx.login({ name: 'admin' }, fx.adminPassword)).status).toBe(201)
  })
})
