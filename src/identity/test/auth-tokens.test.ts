/** @module identity/test/auth-tokens.test: POST/GET/HEAD/DELETE /v3/auth/tokens, every method and scope */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createIdentityFixture,
  projectScope,
  type IdentityFixture,
  type Json,
} from './identity-fixture.js'

let fx: IdentityFixture

beforeEach(async () => {
  fx = await createIdentityFixture()
})

afterEach(async () => {
  await fx.close()
})

function roleNames(token: Json): string[] {
  return (token.roles as { name: string }[]).map((r) => r.name).sort()
}

describe('password authentication', () => {
  it('issues a project-scoped token with the roles the project grants, implied ones included', async () => {
    const alice = await fx.createMember('alice')
    const response = await fx.login(
      { id: alice.user.id },
      alice.password,
      projectScope(alice.project.id),
    )
    expect(response.status).toBe(201)
    expect(response.token).toMatch(/^[A-Za-z0-9_-]{100,}$/)
    const token = response.body.token
    expect(token.methods).toEqual(['password'])
    expect(token.user).toEqual({
      id: alice.user.id,
      name: 'alice',
      domain: { id: 'default', name: 'Default' },
      password_expires_at: null,
    })
    expect(token.project).toEqual({
      id: alice.project.id,
      name: 'alice-project',
      domain: { id: 'default', name: 'Default' },
    })
    expect(token.is_domain).toBe(false)
    expect(roleNames(token)).toEqual(['member', 'reader'])
    expect(token.audit_ids).toHaveLength(1)
    expect(token.issued_at).toBe('2026-01-01T00:00:00.000000Z')
    expect(token.expires_at).toBe('2026-01-01T01:00:00.000000Z')
    expect(Array.isArray(token.catalog)).toBe(true)
  })

  it('finds the user by name in a domain given by id or by name', async () => {
    const alice = await fx.createMember('alice')
    const scope = projectScope(alice.project.id)
    const byDomainId = await fx.login(
      { name: 'alice', domain: { id: 'default' } },
      alice.password,
      scope,
    )
    const byDomainName = await fx.login(
      { name: 'alice', domain: { name: 'Default' } },
      alice.password,
      scope,
    )
    expect(byDomainId.status).toBe(201)
    expect(byDomainName.status).toBe(201)
    expect(byDomainName.body.token.user.id).toBe(alice.user.id)
  })

  it('scopes to a project named within a domain given by id or by name', async () => {
    const alice = await fx.createMember('alice')
    for (const domain of [{ id: 'default' }, { name: 'Default' }]) {
      const response = await fx.login({ id: alice.user.id }, alice.password, {
        project: { name: 'alice-project', domain },
      })
      expect(response.status).toBe(201)
      expect(response.body.token.project.id).toBe(alice.project.id)
    }
  })

  it('scopes to a domain on which the user has a role', async () => {
    const bob = await fx.createUser('bob', { password: 'bob-pw' })
    const member = await fx.roleId('member')
    const grant = await fx.call('PUT', `/v3/domains/default/users/${bob.id}/roles/${member}`, {
      token: fx.adminToken,
    })
    expect(grant.status).toBe(204)
    const response = await fx.login({ id: bob.id }, 'bob-pw', { domain: { id: 'default' } })
    expect(response.status).toBe(201)
    expect(response.body.token.domain).toEqual({ id: 'default', name: 'Default' })
    expect(response.body.token).not.toHaveProperty('project')
    expect(roleNames(response.body.token)).toEqual(['member', 'reader'])
    const byName = await fx.login({ id: bob.id }, 'bob-pw', { domain: { name: 'Default' } })
    expect(byName.status).toBe(201)
  })

  it('scopes to the system for a user with a system role', async () => {
    const response = await fx.login({ name: 'admin' }, fx.adminPassword, { system: { all: true } })
    expect(response.status).toBe(201)
    expect(response.body.token.system).toEqual({ all: true })
    expect(roleNames(response.body.token)).toEqual(['admin', 'member', 'reader'])
  })

  it('issues an unscoped token without roles or catalog when asked for one', async () => {
    const response = await fx.login({ name: 'admin' }, fx.adminPassword, 'unscoped')
    expect(response.status).toBe(201)
    expect(response.body.token).not.toHaveProperty('project')
    expect(response.body.token).not.toHaveProperty('roles')
    expect(response.body.token).not.toHaveProperty('catalog')
  })

  it('scopes to the default project when no scope is given', async () => {
    const project = await fx.createProject('home')
    const carol = await fx.createUser('carol', {
      password: 'carol-pw',
      default_project_id: project.id,
    })
    await fx.grantOnProject(project.id, carol.id, 'reader')
    const response = await fx.login({ id: carol.id }, 'carol-pw')
    expect(response.status).toBe(201)
    expect(response.body.token.project.id).toBe(project.id)
    expect(roleNames(response.body.token)).toEqual(['reader'])
  })

  it('falls back to an unscoped token when the user has no role on the default project', async () => {
    const project = await fx.createProject('home')
    const dave = await fx.createUser('dave', {
      password: 'dave-pw',
      default_project_id: project.id,
    })
    const response = await fx.login({ id: dave.id }, 'dave-pw')
    expect(response.status).toBe(201)
    expect(response.body.token).not.toHaveProperty('project')
  })

  it('issues an unscoped token to a user without a default project', async () => {
    const erin = await fx.createUser('erin', { password: 'erin-pw' })
    const response = await fx.login({ id: erin.id }, 'erin-pw')
    expect(response.status).toBe(201)
    expect(response.body.token).not.toHaveProperty('project')
  })

  it('leaves the catalog out with ?nocatalog', async () => {
    const response = await fx.call('POST', '/v3/auth/tokens?nocatalog', {
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: 'admin', domain: { id: 'default' }, password: fx.adminPassword },
            },
          },
          scope: { project: { name: 'admin', domain: { id: 'default' } } },
        },
      },
    })
    expect(response.status).toBe(201)
    expect(response.body.token).not.toHaveProperty('catalog')
    expect(response.body.token.project.name).toBe('admin')
  })

  it('refuses a wrong password with 401 in Keystone format', async () => {
    const response = await fx.login({ name: 'admin' }, 'wrong')
    expect(response.status).toBe(401)
    expect(response.body).toEqual({
      error: {
        code: 401,
        title: 'Unauthorized',
        message: 'The request you have made requires authentication.',
      },
    })
    expect(response.headers['x-subject-token']).toBeUndefined()
  })

  it('refuses an unknown user and an unknown domain alike', async () => {
    expect((await fx.login({ name: 'nobody' }, 'x')).status).toBe(401)
    expect(
      (await fx.login({ name: 'admin', domain: { id: 'nowhere' } }, fx.adminPassword)).status,
    ).toBe(401)
    expect((await fx.login({ id: 'f'.repeat(32) }, 'x')).status).toBe(401)
  })

  it('refuses a disabled user and a user of a disabled domain', async () => {
    const alice = await fx.createMember('alice')
    await fx.call('PATCH', `/v3/users/${alice.user.id}`, {
      token: fx.adminToken,
      body: { user: { enabled: false } },
    })
    const disabled = await fx.login({ id: alice.user.id }, alice.password)
    expect(disabled.status).toBe(401)
    expect(disabled.body.error.message).toContain('disabled')

    const domain = await fx.call('POST', '/v3/domains', {
      token: fx.adminToken,
      body: { domain: { name: 'elsewhere' } },
    })
    const domainId = domain.body.domain.id
    const frank = await fx.call('POST', '/v3/users', {
      token: fx.adminToken,
      body: { user: { name: 'frank', domain_id: domainId, password: 'frank-pw' } },
    })
    expect((await fx.login({ id: frank.body.user.id }, 'frank-pw')).status).toBe(201)
    await fx.call('PATCH', `/v3/domains/${domainId}`, {
      token: fx.adminToken,
      body: { domain: { enabled: false } },
    })
    expect((await fx.login({ id: frank.body.user.id }, 'frank-pw')).status).toBe(401)
  })

  it('refuses a scope the user has no role on with 401', async () => {
    const alice = await fx.createMember('alice')
    const other = await fx.createProject('other')
    const response = await fx.login({ id: alice.user.id }, alice.password, projectScope(other.id))
    expect(response.status).toBe(401)
    expect(response.body.error.message).toContain(other.id)
    const domain = await fx.login({ id: alice.user.id }, alice.password, {
      domain: { id: 'default' },
    })
    expect(domain.status).toBe(401)
    const system = await fx.login({ id: alice.user.id }, alice.password, { system: { all: true } })
    expect(system.status).toBe(401)
  })

  it('refuses a project that does not exist, and a disabled one', async () => {
    const alice = await fx.createMember('alice')
    expect(
      (await fx.login({ id: alice.user.id }, alice.password, projectScope('missing'))).status,
    ).toBe(401)
    await fx.call('PATCH', `/v3/projects/${alice.project.id}`, {
      token: fx.adminToken,
      body: { project: { enabled: false } },
    })
    const disabled = await fx.login(
      { id: alice.user.id },
      alice.password,
      projectScope(alice.project.id),
    )
    expect(disabled.status).toBe(401)
  })

  it('refuses a scope naming both a project and a domain with 400', async () => {
    const response = await fx.login({ name: 'admin' }, fx.adminPassword, {
      project: { name: 'admin', domain: { id: 'default' } },
      domain: { id: 'default' },
    })
    expect(response.status).toBe(400)
    expect(response.body.error.message).toMatch(/exactly one of project, domain or system/)
  })

  it.each([
    [
      'a user with neither id nor name',
      { domain: { id: 'default' } },
      undefined,
      "'auth.identity.password.user'",
    ],
    ['a user name without a domain', { name: 'admin' }, undefined, "'auth.identity.password.user'"],
    [
      'a project with neither id nor name',
      { name: 'admin', domain: { id: 'default' } },
      { project: {} },
      "'auth.scope.project'",
    ],
    [
      'a project name without a domain',
      { name: 'admin', domain: { id: 'default' } },
      { project: { name: 'admin' } },
      "'auth.scope.project'",
    ],
    [
      'a domain with neither id nor name',
      { name: 'admin', domain: { id: 'default' } },
      { domain: {} },
      "'auth.scope.domain'",
    ],
  ])('refuses %s with 400 naming the field', async (_what, user, scope, field) => {
    const response = await fx.call('POST', '/v3/auth/tokens', {
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { ...user, password: fx.adminPassword } },
          },
          ...(scope ? { scope } : {}),
        },
      },
    })
    expect(response.status).toBe(400)
    expect(response.body.error.message).toContain(`Invalid input for field ${field}`)
  })

  it('refuses an unsupported method with 401 and a method without its data with 400', async () => {
    const totp = await fx.call('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['totp'] } } },
    })
    expect(totp.status).toBe(401)
    expect(totp.body.error.message).toContain('totp')
    const noPassword = await fx.call('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['password'] } } },
    })
    expect(noPassword.status).toBe(400)
    expect(noPassword.body.error.message).toContain('password')
  })
})

describe('token authentication', () => {
  it('rescopes an unscoped token to a project and keeps the audit chain', async () => {
    const alice = await fx.createMember('alice')
    const unscoped = await fx.login({ id: alice.user.id }, alice.password, 'unscoped')
    const response = await fx.call('POST', '/v3/auth/tokens', {
      body: {
        auth: {
          identity: { methods: ['token'], token: { id: unscoped.token } },
          scope: projectScope(alice.project.id),
        },
      },
    })
    expect(response.status).toBe(201)
    const token = response.body.token
    expect(token.methods).toEqual(['password', 'token'])
    expect(token.project.id).toBe(alice.project.id)
    expect(token.audit_ids).toHaveLength(2)
    expect(token.audit_ids[1]).toBe(unscoped.body.token.audit_ids[0])
  })

  it('never outlives the token it was made from', async () => {
    const alice = await fx.createMember('alice')
    fx.clock.advance(30 * 60 * 1000)
    const response = await fx.call('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['token'], token: { id: alice.token } } } },
    })
    expect(response.status).toBe(201)
    expect(response.body.token.expires_at).toBe('2026-01-01T01:00:00.000000Z')
  })

  it('answers 404 for a token that is not valid', async () => {
    const response = await fx.call('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['token'], token: { id: 'gAAAAAbogus' } } } },
    })
    expect(response.status).toBe(404)
    expect(response.body.error.title).toBe('Not Found')
  })
})

describe('application credentials', () => {
  async function createCredential(member: { user: Json; token: string }, body: Json) {
    return fx.call('POST', `/v3/users/${member.user.id}/application_credentials`, {
      token: member.token,
      body: { application_credential: body },
    })
  }

  function credentialAuth(credential: Json, scope?: Json): Json {
    return {
      auth: {
        identity: { methods: ['application_credential'], application_credential: credential },
        ...(scope ? { scope } : {}),
      },
    }
  }

  it('creates a credential that authenticates by id and by name with its user', async () => {
    const alice = await fx.createMember('alice')
    const created = await createCredential(alice, { name: 'ci' })
    expect(created.status).toBe(201)
    const credential = created.body.application_credential
    expect(credential.secret).toMatch(/^[A-Za-z0-9_-]{40,}$/)
    expect(credential.project_id).toBe(alice.project.id)
    expect(credential.unrestricted).toBe(false)
    expect(credential.roles.map((r: Json) => r.name).sort()).toEqual(['member', 'reader'])

    const byId = await fx.call('POST', '/v3/auth/tokens', {
      body: credentialAuth({ id: credential.id, secret: credential.secret }),
    })
    expect(byId.status).toBe(201)
    expect(byId.body.token.methods).toEqual(['application_credential'])
    expect(byId.body.token.project.id).toBe(alice.project.id)
    expect(byId.body.token.application_credential).toEqual({
      id: credential.id,
      name: 'ci',
      restricted: true,
    })

    const byName = await fx.call('POST', '/v3/auth/tokens', {
      body: credentialAuth({
        name: 'ci',
        secret: credential.secret,
        user: { name: 'alice', domain: { id: 'default' } },
      }),
    })
    expect(byName.status).toBe(201)
  })

  it('keeps only the roles the credential names, and hides its secret after creation', async () => {
    const alice = await fx.createMember('alice')
    const created = await createCredential(alice, {
      name: 'read-only',
      roles: [{ name: 'reader' }],
    })
    const credential = created.body.application_credential
    const token = await fx.call('POST', '/v3/auth/tokens', {
      body: credentialAuth({ id: credential.id, secret: credential.secret }),
    })
    expect(roleNames(token.body.token)).toEqual(['reader'])
    const shown = await fx.call(
      'GET',
      `/v3/users/${alice.user.id}/application_credentials/${credential.id}`,
      { token: alice.token },
    )
    expect(shown.status).toBe(200)
    expect(shown.body.application_credential).not.toHaveProperty('secret')
  })

  it('refuses a secret chosen by the caller when it is wrong, and another project', async () => {
    const alice = await fx.createMember('alice')
    const created = await createCredential(alice, { name: 'mine', secret: 'my own secret' })
    const id = created.body.application_credential.id
    expect(created.body.application_credential.secret).toBe('my own secret')
    const wrong = await fx.call('POST', '/v3/auth/tokens', {
      body: credentialAuth({ id, secret: 'not it' }),
    })
    expect(wrong.status).toBe(401)
    const other = await fx.createProject('other')
    const elsewhere = await fx.call('POST', '/v3/auth/tokens', {
      body: credentialAuth({ id, secret: 'my own secret' }, projectScope(other.id)),
    })
    expect(elsewhere.status).toBe(401)
  })

  it('refuses a credential after it expires', async () => {
    const alice = await fx.createMember('alice')
    const created = await createCredential(alice, {
      name: 'short',
      expires_at: '2026-01-01T00:10:00Z',
    })
    expect(created.status).toBe(201)
    const { id, secret } = created.body.application_credential
    const first = await fx.call('POST', '/v3/auth/tokens', { body: credentialAuth({ id, secret }) })
    expect(first.status).toBe(201)
    expect(first.body.token.expires_at).toBe('2026-01-01T00:10:00.000000Z')
    fx.clock.advance(10 * 60 * 1000)
    const later = await fx.call('POST', '/v3/auth/tokens', { body: credentialAuth({ id, secret }) })
    expect(later.status).toBe(401)
  })

  it('refuses an expiry in the past and a role the token does not carry', async () => {
    const alice = await fx.createMember('alice')
    const past = await createCredential(alice, { name: 'old', expires_at: '2025-12-31T00:00:00Z' })
    expect(past.status).toBe(400)
    const admin = await createCredential(alice, { name: 'escalate', roles: [{ name: 'admin' }] })
    expect(admin.status).toBe(403)
  })

  it('lets a restricted credential neither make more credentials nor rescope its token', async () => {
    const alice = await fx.createMember('alice')
    const created = await createCredential(alice, { name: 'restricted' })
    const { id, secret } = created.body.application_credential
    const issued = await fx.call('POST', '/v3/auth/tokens', {
      body: credentialAuth({ id, secret }),
    })
    const token = String(issued.headers['x-subject-token'])
    const more = await createCredential({ user: alice.user, token }, { name: 'more' })
    expect(more.status).toBe(403)
    const rescope = await fx.call('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['token'], token: { id: token } } } },
    })
    expect(rescope.status).toBe(403)
  })

  it('invalidates the tokens of a credential once it is deleted', async () => {
    const alice = await fx.createMember('alice')
    const created = await createCredential(alice, { name: 'temp' })
    const { id, secret } = created.body.application_credential
    const issued = await fx.call('POST', '/v3/auth/tokens', {
      body: credentialAuth({ id, secret }),
    })
    const token = String(issued.headers['x-subject-token'])
    const deleted = await fx.call(
      'DELETE',
      `/v3/users/${alice.user.id}/application_credentials/${id}`,
      {
        token: alice.token,
      },
    )
    expect(deleted.status).toBe(204)
    expect((await fx.call('GET', '/v3/auth/catalog', { token })).status).toBe(401)
    const list = await fx.call('GET', `/v3/users/${alice.user.id}/application_credentials`, {
      token: alice.token,
    })
    expect(list.body.application_credentials).toEqual([])
  })

  it('refuses a duplicate name with 409', async () => {
    const alice = await fx.createMember('alice')
    expect((await createCredential(alice, { name: 'twice' })).status).toBe(201)
    const again = await createCredential(alice, { name: 'twice' })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe(409)
  })
})

describe('validating and revoking tokens', () => {
  it('returns the same body on GET as when the token was issued', async () => {
    const alice = await fx.createMember('alice')
    const issued = await fx.login(
      { id: alice.user.id },
      alice.password,
      projectScope(alice.project.id),
    )
    const validated = await fx.call('GET', '/v3/auth/tokens', {
      token: fx.adminToken,
      headers: { 'x-subject-token': issued.token },
    })
    expect(validated.status).toBe(200)
    expect(validated.headers['x-subject-token']).toBe(issued.token)
    expect(validated.body).toEqual(issued.body)
  })

  it('lets a user validate its own token but not somebody else’s', async () => {
    const alice = await fx.createMember('alice')
    const bob = await fx.createMember('bob')
    const own = await fx.call('GET', '/v3/auth/tokens', {
      token: alice.token,
      headers: { 'x-subject-token': alice.token },
    })
    expect(own.status).toBe(200)
    const other = await fx.call('GET', '/v3/auth/tokens', {
      token: alice.token,
      headers: { 'x-subject-token': bob.token },
    })
    expect(other.status).toBe(403)
  })

  it('answers HEAD with 200 and no body for a valid token, 404 for another', async () => {
    const alice = await fx.createMember('alice')
    const ok = await fx.call('HEAD', '/v3/auth/tokens', {
      token: fx.adminToken,
      headers: { 'x-subject-token': alice.token },
    })
    expect(ok.status).toBe(200)
    expect(ok.text).toBe('')
    const bad = await fx.call('HEAD', '/v3/auth/tokens', {
      token: fx.adminToken,
      headers: { 'x-subject-token': 'gAAAAAnotatoken' },
    })
    expect(bad.status).toBe(404)
  })

  it('leaves out the catalog on GET with ?nocatalog', async () => {
    const alice = await fx.createMember('alice')
    const validated = await fx.call('GET', '/v3/auth/tokens?nocatalog', {
      token: fx.adminToken,
      headers: { 'x-subject-token': alice.token },
    })
    expect(validated.body.token).not.toHaveProperty('catalog')
  })

  it('answers 404 when no subject token is given', async () => {
    const response = await fx.call('GET', '/v3/auth/tokens', { token: fx.adminToken })
    expect(response.status).toBe(404)
  })

  it('revokes a token: 404 on validation and 401 when used', async () => {
    const alice = await fx.createMember('alice')
    const revoked = await fx.call('DELETE', '/v3/auth/tokens', {
      token: alice.token,
      headers: { 'x-subject-token': alice.token },
    })
    expect(revoked.status).toBe(204)
    const validated = await fx.call('GET', '/v3/auth/tokens', {
      token: fx.adminToken,
      headers: { 'x-subject-token': alice.token },
    })
    expect(validated.status).toBe(404)
    expect(validated.body.error).toEqual({
      code: 404,
      title: 'Not Found',
      message: 'Failed to validate token',
    })
    const used = await fx.call('GET', `/v3/users/${alice.user.id}`, { token: alice.token })
    expect(used.status).toBe(401)
    expect(used.body.error.title).toBe('Unauthorized')
  })

  it('revokes only the token named, not the other tokens of its user', async () => {
    const alice = await fx.createMember('alice')
    const second = await fx.token(
      { id: alice.user.id },
      alice.password,
      projectScope(alice.project.id),
    )
    await fx.call('DELETE', '/v3/auth/tokens', {
      token: fx.adminToken,
      headers: { 'x-subject-token': alice.token },
    })
    expect((await fx.call('GET', `/v3/users/${alice.user.id}`, { token: second })).status).toBe(200)
  })

  it('keeps a token rescoped from a revoked one valid: revocation names one audit id', async () => {
    const alice = await fx.createMember('alice')
    const rescoped = await fx.call('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['token'], token: { id: alice.token } } } },
    })
    const child = String(rescoped.headers['x-subject-token'])
    await fx.call('DELETE', '/v3/auth/tokens', {
      token: fx.adminToken,
      headers: { 'x-subject-token': alice.token },
    })
    expect((await fx.call('GET', `/v3/users/${alice.user.id}`, { token: child })).status).toBe(200)
  })

  it('refuses to revoke a token twice with 404', async () => {
    const alice = await fx.createMember('alice')
    const headers = { 'x-subject-token': alice.token }
    expect(
      (await fx.call('DELETE', '/v3/auth/tokens', { token: fx.adminToken, headers })).status,
    ).toBe(204)
    expect(
      (await fx.call('DELETE', '/v3/auth/tokens', { token: fx.adminToken, headers })).status,
    ).toBe(404)
  })
})
