/** @module identity/test/users-groups.test: /v3/users, /v3/groups and group membership */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createIdentityFixture, type IdentityFixture, type Json } from './identity-fixture.js'

let fx: IdentityFixture

beforeEach(async () => {
  fx = await createIdentityFixture()
})

afterEach(async () => {
  await fx.close()
})

function admin(method: string, url: string, body?: unknown) {
  return fx.call(method, url, { token: fx.adminToken, ...(body !== undefined ? { body } : {}) })
}

function names(list: Json[]): string[] {
  return list.map((x) => x.name as string).sort()
}

async function createGroup(name: string, fields: Json = {}): Promise<Json> {
  const response = await admin('POST', '/v3/groups', { group: { name, ...fields } })
  expect(response.status).toBe(201)
  return response.body.group
}

describe('users', () => {
  it('creates a user and shows it as Keystone does, without its password', async () => {
    const project = await fx.createProject('home')
    const response = await admin('POST', '/v3/users', {
      user: {
        name: 'alice',
        password: 'secret',
        email: 'alice@example.com',
        default_project_id: project.id,
      },
    })
    expect(response.status).toBe(201)
    const user = response.body.user
    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'alice',
      domain_id: 'default',
      enabled: true,
      email: 'alice@example.com',
      default_project_id: project.id,
      password_expires_at: null,
      options: {},
      links: { self: `http://localhost:80/v3/users/${user.id}` },
    })
    expect(response.text).not.toContain('secret')
    expect((await admin('GET', `/v3/users/${user.id}`)).body.user).toEqual(user)
  })

  it('creates a user without a password, who cannot log in', async () => {
    const user = await fx.createUser('nopass')
    expect((await fx.login({ id: user.id }, '')).status).toBe(401)
  })

  it('refuses a duplicate name in a domain but not in another domain', async () => {
    await fx.createUser('alice')
    const again = await admin('POST', '/v3/users', { user: { name: 'alice' } })
    expect(again.status).toBe(409)
    expect(again.body.error.message).toBe(
      'Conflict occurred attempting to store user - Duplicate entry found with name alice.',
    )
    const domain = await admin('POST', '/v3/domains', { domain: { name: 'acme' } })
    const elsewhere = await admin('POST', '/v3/users', {
      user: { name: 'alice', domain_id: domain.body.domain.id },
    })
    expect(elsewhere.status).toBe(201)
  })

  it('refuses an unknown option and a domain that does not exist', async () => {
    const option = await admin('POST', '/v3/users', {
      user: { name: 'x', options: { colour: 'red' } },
    })
    expect(option.status).toBe(400)
    expect(option.body.error.message).toBe('Invalid option for user: colour.')
    const domain = await admin('POST', '/v3/users', { user: { name: 'x', domain_id: 'nowhere' } })
    expect(domain.status).toBe(404)
  })

  it('filters the list by name, domain, enabled and part of the name', async () => {
    await fx.createUser('alice')
    await fx.createUser('alfred', { enabled: false })
    await fx.createUser('bob')
    const list = async (query: string) =>
      names((await admin('GET', `/v3/users?${query}`)).body.users)
    expect(await list('name=bob')).toEqual(['bob'])
    expect(await list('enabled=false')).toEqual(['alfred'])
    expect(await list('name__contains=al')).toEqual(['alfred', 'alice'])
    expect(await list('name__contains=AL')).toEqual([])
    expect(await list('name__icontains=AL')).toEqual(['alfred', 'alice'])
    expect(await list('name__contains=_')).toEqual([])
    expect(await list('domain_id=default')).toEqual(['admin', 'alfred', 'alice', 'bob'])
    expect(await list('domain_id=nowhere')).toEqual([])
  })

  it('updates name, extra attributes and options, and refuses a clashing name', async () => {
    const user = await fx.createUser('alice', { email: 'a@example.com' })
    await fx.createUser('bob')
    const updated = await admin('PATCH', `/v3/users/${user.id}`, {
      user: { name: 'alicia', description: 'ops', options: { ignore_password_expiry: true } },
    })
    expect(updated.status).toBe(200)
    expect(updated.body.user).toMatchObject({
      name: 'alicia',
      email: 'a@example.com',
      description: 'ops',
      options: { ignore_password_expiry: true },
    })
    const cleared = await admin('PATCH', `/v3/users/${user.id}`, {
      user: { options: { ignore_password_expiry: null } },
    })
    expect(cleared.body.user.options).toEqual({})
    const clash = await admin('PATCH', `/v3/users/${user.id}`, { user: { name: 'bob' } })
    expect(clash.status).toBe(409)
  })

  it('refuses to move a user to another domain', async () => {
    const user = await fx.createUser('alice')
    const domain = await admin('POST', '/v3/domains', { domain: { name: 'acme' } })
    const moved = await admin('PATCH', `/v3/users/${user.id}`, {
      user: { domain_id: domain.body.domain.id },
    })
    expect(moved.status).toBe(400)
    expect(moved.body.error.message).toBe('Cannot change the domain of a user.')
  })

  it('deletes a user with its assignments and memberships', async () => {
    const alice = await fx.createMember('alice')
    const group = await createGroup('staff')
    await admin('PUT', `/v3/groups/${group.id}/users/${alice.user.id}`)
    expect((await admin('DELETE', `/v3/users/${alice.user.id}`)).status).toBe(204)
    expect((await admin('GET', `/v3/users/${alice.user.id}`)).status).toBe(404)
    expect((await admin('DELETE', `/v3/users/${alice.user.id}`)).status).toBe(404)
    const members = await admin('GET', `/v3/groups/${group.id}/users`)
    expect(members.body.users).toEqual([])
    const assignments = await admin('GET', `/v3/role_assignments?user.id=${alice.user.id}`)
    expect(assignments.body.role_assignments).toEqual([])
    expect((await fx.call('GET', '/v3/auth/projects', { token: alice.token })).status).toBe(401)
  })

  it('answers 404 in Keystone words for a user that does not exist', async () => {
    const response = await admin('GET', '/v3/users/ghost')
    expect(response.status).toBe(404)
    expect(response.body.error.message).toBe('Could not find user: ghost.')
  })
})

describe('groups and membership', () => {
  it('creates, shows, lists, updates and deletes a group', async () => {
    const group = await createGroup('staff', { description: 'everyone' })
    expect(group).toMatchObject({ name: 'staff', description: 'everyone', domain_id: 'default' })
    expect((await admin('GET', `/v3/groups/${group.id}`)).body.group).toEqual(group)
    await createGroup('ops')
    expect(names((await admin('GET', '/v3/groups')).body.groups)).toEqual(['ops', 'staff'])
    expect(names((await admin('GET', '/v3/groups?name=ops')).body.groups)).toEqual(['ops'])
    const updated = await admin('PATCH', `/v3/groups/${group.id}`, {
      group: { name: 'people', description: null },
    })
    expect(updated.body.group).toMatchObject({ name: 'people', description: '' })
    expect((await admin('DELETE', `/v3/groups/${group.id}`)).status).toBe(204)
    expect((await admin('GET', `/v3/groups/${group.id}`)).status).toBe(404)
  })

  it('refuses a duplicate group name in a domain', async () => {
    await createGroup('staff')
    const again = await admin('POST', '/v3/groups', { group: { name: 'staff' } })
    expect(again.status).toBe(409)
    const ops = await createGroup('ops')
    const rename = await admin('PATCH', `/v3/groups/${ops.id}`, { group: { name: 'staff' } })
    expect(rename.status).toBe(409)
  })

  it('adds, checks, lists and removes members', async () => {
    const group = await createGroup('staff')
    const alice = await fx.createUser('alice')
    const bob = await fx.createUser('bob')
    const member = `/v3/groups/${group.id}/users/${alice.id}`
    expect((await admin('PUT', member)).status).toBe(204)
    expect((await admin('PUT', member)).status).toBe(204)
    expect((await admin('HEAD', member)).status).toBe(204)
    expect((await admin('GET', member)).status).toBe(204)
    expect((await admin('HEAD', `/v3/groups/${group.id}/users/${bob.id}`)).status).toBe(404)
    const users = await admin('GET', `/v3/groups/${group.id}/users`)
    expect(names(users.body.users)).toEqual(['alice'])
    const groups = await admin('GET', `/v3/users/${alice.id}/groups`)
    expect(names(groups.body.groups)).toEqual(['staff'])
    expect((await admin('DELETE', member)).status).toBe(204)
    expect((await admin('DELETE', member)).status).toBe(404)
    expect((await admin('HEAD', member)).status).toBe(404)
  })

  it('answers 404 when the group or the user does not exist', async () => {
    const group = await createGroup('staff')
    const user = await fx.createUser('alice')
    expect((await admin('PUT', `/v3/groups/${group.id}/users/ghost`)).status).toBe(404)
    expect((await admin('PUT', `/v3/groups/ghost/users/${user.id}`)).status).toBe(404)
    expect((await admin('GET', '/v3/groups/ghost/users')).status).toBe(404)
  })

  it('gives members the roles granted to the group', async () => {
    const project = await fx.createProject('shared')
    const group = await createGroup('staff')
    const bob = await fx.createUser('bob', { password: 'bob-pw' })
    const reader = await fx.roleId('reader')
    await admin('PUT', `/v3/projects/${project.id}/groups/${group.id}/roles/${reader}`)
    expect((await fx.login({ id: bob.id }, 'bob-pw', { project: { id: project.id } })).status).toBe(
      401,
    )
    await admin('PUT', `/v3/groups/${group.id}/users/${bob.id}`)
    const issued = await fx.login({ id: bob.id }, 'bob-pw', { project: { id: project.id } })
    expect(issued.status).toBe(201)
    expect(issued.body.token.roles.map((r: Json) => r.name)).toEqual(['reader'])
  })

  it('lets a user list its own groups but not another user’s', async () => {
    const alice = await fx.createMember('alice')
    const bob = await fx.createMember('bob')
    const own = await fx.call('GET', `/v3/users/${alice.user.id}/groups`, { token: alice.token })
    expect(own.status).toBe(200)
    const other = await fx.call('GET', `/v3/users/${bob.user.id}/groups`, { token: alice.token })
    expect(other.status).toBe(403)
  })
})
