/** @module identity/test/token-lifecycle.test: expiry, key rotation and revocation events */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseDatabaseUrl } from '../../core/db/index.js'
import { silentLogger } from '../../core/log/index.js'
import { randomIds } from '../../core/ids/index.js'
import { createIdentityUnit } from '../identity-unit.js'
import {
  createIdentityFixture,
  projectScope,
  type IdentityFixture,
  type Member,
} from './identity-fixture.js'

let fx: IdentityFixture

beforeEach(async () => {
  fx = await createIdentityFixture()
})

afterEach(async () => {
  await fx.close()
})

/** The status of validating `token` as admin (200 valid, 404 not), with a fresh admin token. */
async function validation(token: string): Promise<number> {
  const admin = await fx.token({ name: 'admin' }, fx.adminPassword, { system: { all: true } })
  const response = await fx.call('GET', '/v3/auth/tokens', {
    token: admin,
    headers: { 'x-subject-token': token },
  })
  return response.status
}

/** The status of using `token` to read its own user. */
async function use(member: Member, token = member.token): Promise<number> {
  return (await fx.call('GET', `/v3/users/${member.user.id}`, { token })).status
}

describe('expiry', () => {
  it('keeps a token valid until its expiry and refuses it from then on', async () => {
    const alice = await fx.createMember('alice')
    fx.clock.advance(3600 * 1000 - 1)
    expect(await validation(alice.token)).toBe(200)
    expect(await use(alice)).toBe(200)
    fx.clock.advance(1)
    expect(await validation(alice.token)).toBe(404)
    expect(await use(alice)).toBe(401)
  })

  it('uses the configured token lifetime', async () => {
    const short = await createIdentityFixture({ config: { tokenExpirationSeconds: 120 } })
    try {
      const issued = await short.login({ name: 'admin' }, short.adminPassword, 'unscoped')
      expect(issued.body.token.expires_at).toBe('2026-01-01T00:02:00.000000Z')
      short.clock.advance(120 * 1000)
      const used = await short.call('GET', '/v3/auth/system', { token: issued.token })
      expect(used.status).toBe(401)
    } finally {
      await short.close()
    }
  })
})

describe('key rotation', () => {
  it('keeps tokens valid across a rotation and signs new ones with the new key', async () => {
    const alice = await fx.createMember('alice')
    fx.unit.ctx.tokenKeys.rotate()
    expect(await validation(alice.token)).toBe(200)
    const fresh = await fx.token(
      { id: alice.user.id },
      alice.password,
      projectScope(alice.project.id),
    )
    expect(await use(alice, fresh)).toBe(200)
  })

  it('refuses tokens whose key was rotated out beyond max_active_keys', async () => {
    const alice = await fx.createMember('alice')
    fx.unit.ctx.tokenKeys.rotate()
    fx.unit.ctx.tokenKeys.rotate()
    // Validated tokens are served from memory for a few seconds; wait that out.
    fx.clock.advance(6000)
    expect(await validation(alice.token)).toBe(404)
    expect(await use(alice)).toBe(401)
  })
})

describe('revocation events', () => {
  it('revokes the tokens of a user whose password an admin changes', async () => {
    const alice = await fx.createMember('alice')
    const changed = await fx.call('PATCH', `/v3/users/${alice.user.id}`, {
      token: fx.adminToken,
      body: { user: { password: 'brand-new' } },
    })
    expect(changed.status).toBe(200)
    expect(await validation(alice.token)).toBe(404)
    expect(await use(alice)).toBe(401)
    fx.tick()
    expect((await fx.login({ id: alice.user.id }, alice.password)).status).toBe(401)
    const fresh = await fx.token({ id: alice.user.id }, 'brand-new', projectScope(alice.project.id))
    expect(await use(alice, fresh)).toBe(200)
  })

  it('revokes the tokens of a disabled user, and they stay revoked once it is enabled again', async () => {
    const alice = await fx.createMember('alice')
    const patch = (enabled: boolean) =>
      fx.call('PATCH', `/v3/users/${alice.user.id}`, {
        token: fx.adminToken,
        body: { user: { enabled } },
      })
    expect((await patch(false)).status).toBe(200)
    expect(await use(alice)).toBe(401)
    fx.tick()
    expect((await patch(true)).status).toBe(200)
    expect(await use(alice)).toBe(401)
    const fresh = await fx.token(
      { id: alice.user.id },
      alice.password,
      projectScope(alice.project.id),
    )
    expect(await use(alice, fresh)).toBe(200)
  })

  it('leaves other users alone when one user is disabled', async () => {
    const alice = await fx.createMember('alice')
    const bob = await fx.createMember('bob')
    await fx.call('PATCH', `/v3/users/${alice.user.id}`, {
      token: fx.adminToken,
      body: { user: { enabled: false } },
    })
    expect(await use(bob)).toBe(200)
  })

  it('revokes tokens scoped to a disabled project but not the user’s other tokens', async () => {
    const alice = await fx.createMember('alice')
    const other = await fx.createProject('other')
    await fx.grantOnProject(other.id, alice.user.id, 'member')
    const otherToken = await fx.token({ id: alice.user.id }, alice.password, projectScope(other.id))
    const disabled = await fx.call('PATCH', `/v3/projects/${alice.project.id}`, {
      token: fx.adminToken,
      body: { project: { enabled: false } },
    })
    expect(disabled.status).toBe(200)
    expect(await validation(alice.token)).toBe(404)
    expect(await use(alice, otherToken)).toBe(200)
  })

  it('revokes tokens scoped to a deleted project', async () => {
    const alice = await fx.createMember('alice')
    const deleted = await fx.call('DELETE', `/v3/projects/${alice.project.id}`, {
      token: fx.adminToken,
    })
    expect(deleted.status).toBe(204)
    expect(await validation(alice.token)).toBe(404)
    expect(await use(alice)).toBe(401)
  })

  it('revokes the tokens of users in a disabled domain', async () => {
    const domain = await fx.call('POST', '/v3/domains', {
      token: fx.adminToken,
      body: { domain: { name: 'acme' } },
    })
    const domainId = domain.body.domain.id
    const user = await fx.call('POST', '/v3/users', {
      token: fx.adminToken,
      body: { user: { name: 'wile', domain_id: domainId, password: 'coyote' } },
    })
    const token = await fx.token({ id: user.body.user.id }, 'coyote', 'unscoped')
    expect(await validation(token)).toBe(200)
    await fx.call('PATCH', `/v3/domains/${domainId}`, {
      token: fx.adminToken,
      body: { domain: { enabled: false } },
    })
    expect(await validation(token)).toBe(404)
  })

  it('revokes project tokens when the role on the project is removed', async () => {
    const alice = await fx.createMember('alice')
    const member = await fx.roleId('member')
    const removed = await fx.call(
      'DELETE',
      `/v3/projects/${alice.project.id}/users/${alice.user.id}/roles/${member}`,
      { token: fx.adminToken },
    )
    expect(removed.status).toBe(204)
    expect(await validation(alice.token)).toBe(404)
    expect(await use(alice)).toBe(401)
    fx.tick()
    const again = await fx.login(
      { id: alice.user.id },
      alice.password,
      projectScope(alice.project.id),
    )
    expect(again.status).toBe(401)
  })

  it('revokes a project token even when the user keeps another role there', async () => {
    const alice = await fx.createMember('alice')
    await fx.grantOnProject(alice.project.id, alice.user.id, 'reader')
    const member = await fx.roleId('member')
    await fx.call(
      'DELETE',
      `/v3/projects/${alice.project.id}/users/${alice.user.id}/roles/${member}`,
      {
        token: fx.adminToken,
      },
    )
    expect(await validation(alice.token)).toBe(404)
    fx.tick()
    const again = await fx.login(
      { id: alice.user.id },
      alice.password,
      projectScope(alice.project.id),
    )
    expect(again.body.token.roles.map((r: { name: string }) => r.name)).toEqual(['reader'])
  })

  it('revokes the tokens of a user removed from a group that held the role', async () => {
    const project = await fx.createProject('shared')
    const bob = await fx.createUser('bob', { password: 'bob-pw' })
    const group = await fx.call('POST', '/v3/groups', {
      token: fx.adminToken,
      body: { group: { name: 'staff', domain_id: 'default' } },
    })
    const groupId = group.body.group.id
    const member = await fx.roleId('member')
    await fx.call('PUT', `/v3/groups/${groupId}/users/${bob.id}`, { token: fx.adminToken })
    await fx.call('PUT', `/v3/projects/${project.id}/groups/${groupId}/roles/${member}`, {
      token: fx.adminToken,
    })
    const token = await fx.token({ id: bob.id }, 'bob-pw', projectScope(project.id))
    expect(await validation(token)).toBe(200)
    const removed = await fx.call('DELETE', `/v3/groups/${groupId}/users/${bob.id}`, {
      token: fx.adminToken,
    })
    expect(removed.status).toBe(204)
    expect(await validation(token)).toBe(404)
  })

  it('takes a deleted role out of the tokens that carried it', async () => {
    const project = await fx.createProject('p')
    const carol = await fx.createUser('carol', { password: 'carol-pw' })
    const created = await fx.call('POST', '/v3/roles', {
      token: fx.adminToken,
      body: { role: { name: 'auditor' } },
    })
    const auditor = created.body.role.id
    await fx.grantOnProject(project.id, carol.id, 'auditor')
    const token = await fx.token({ id: carol.id }, 'carol-pw', projectScope(project.id))
    expect(await validation(token)).toBe(200)
    expect((await fx.call('DELETE', `/v3/roles/${auditor}`, { token: fx.adminToken })).status).toBe(
      204,
    )
    expect(await validation(token)).toBe(404)
  })

  it('revokes the tokens of a deleted role’s holders even when they keep other roles', async () => {
    const project = await fx.createProject('p2')
    const dave = await fx.createUser('dave', { password: 'dave-pw' })
    const created = await fx.call('POST', '/v3/roles', {
      token: fx.adminToken,
      body: { role: { name: 'observer' } },
    })
    await fx.grantOnProject(project.id, dave.id, 'observer')
    await fx.grantOnProject(project.id, dave.id, 'member')
    const token = await fx.token({ id: dave.id }, 'dave-pw', projectScope(project.id))
    const observer = created.body.role.id
    expect(
      (await fx.call('DELETE', `/v3/roles/${observer}`, { token: fx.adminToken })).status,
    ).toBe(204)
    expect(await validation(token)).toBe(404)
    fx.tick()
    const again = await fx.login({ id: dave.id }, 'dave-pw', projectScope(project.id))
    expect(again.body.token.roles.map((r: { name: string }) => r.name).sort()).toEqual([
      'member',
      'reader',
    ])
  })

  it('is honoured by another identity process sharing the database', async () => {
    const alice = await fx.createMember('alice')
    await fx.call('DELETE', '/v3/auth/tokens', {
      token: fx.adminToken,
      headers: { 'x-subject-token': alice.token },
    })
    const peer = await createIdentityUnit({
      dataDir: fx.dataDir,
      database: parseDatabaseUrl(`sqlite://${fx.dataDir}`, fx.dataDir),
      config: fx.unit.ctx.config,
      region: 'RegionOne',
      adminPassword: fx.adminPassword,
      logger: silentLogger(),
      clock: fx.clock,
      ids: randomIds,
    })
    try {
      await expect(peer.tokens.validate(alice.token)).rejects.toMatchObject({ status: 401 })
      await expect(peer.tokens.validate(fx.adminToken)).resolves.toMatchObject({
        userName: 'admin',
        projectName: 'admin',
      })
    } finally {
      await peer.close()
    }
  })
})
