/** @module identity/test/credentials.test: /v3/credentials and /v3/users/{id}/credentials/OS-EC2 */
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
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

function ec2Blob(access: string, secret = 'the-secret'): string {
  return JSON.stringify({ access, secret })
}

describe('stored credentials', () => {
  it('gives an EC2 credential the sha256 of its access key as id', async () => {
    const alice = await fx.createMember('alice')
    const response = await fx.call('POST', '/v3/credentials', {
      token: alice.token,
      body: {
        credential: {
          user_id: alice.user.id,
          project_id: alice.project.id,
          type: 'ec2',
          blob: ec2Blob('AKIA-alice'),
        },
      },
    })
    expect(response.status).toBe(201)
    const id = createHash('sha256').update('AKIA-alice').digest('hex')
    expect(response.body.credential).toEqual({
      id,
      user_id: alice.user.id,
      project_id: alice.project.id,
      type: 'ec2',
      blob: ec2Blob('AKIA-alice'),
      links: { self: `http://localhost:80/v3/credentials/${id}` },
    })
    const shown = await fx.call('GET', `/v3/credentials/${id}`, { token: alice.token })
    expect(shown.body.credential.blob).toBe(ec2Blob('AKIA-alice'))
  })

  it('refuses a second EC2 credential with the same access key', async () => {
    const alice = await fx.createMember('alice')
    const body = {
      credential: {
        user_id: alice.user.id,
        project_id: alice.project.id,
        type: 'ec2',
        blob: ec2Blob('same'),
      },
    }
    expect((await admin('POST', '/v3/credentials', body)).status).toBe(201)
    expect((await admin('POST', '/v3/credentials', body)).status).toBe(409)
  })

  it.each([
    ['a blob that is not JSON', { blob: 'nope', project: true }, /must be JSON/],
    ['a blob without access', { blob: '{"secret":"s"}', project: true }, /"access"/],
    ['no project', { blob: ec2Blob('a'), project: false }, /project_id/],
  ])('refuses an EC2 credential with %s', async (_what, fields, message) => {
    const alice = await fx.createMember('alice')
    const response = await admin('POST', '/v3/credentials', {
      credential: {
        user_id: alice.user.id,
        type: 'ec2',
        blob: fields.blob,
        ...(fields.project ? { project_id: alice.project.id } : {}),
      },
    })
    expect(response.status).toBe(400)
    expect(response.body.error.message).toMatch(message)
  })

  it('keeps blobs encrypted at rest', async () => {
    const alice = await fx.createMember('alice')
    await admin('POST', '/v3/credentials', {
      credential: {
        user_id: alice.user.id,
        type: 'totp',
        blob: 'TOTP-SEED-VALUE',
        note: 'cert-or-totp',
      },
    })
    const files = readdirSync(fx.dataDir).filter((f) => f.startsWith('identity.sqlite'))
    expect(files).toContain('identity.sqlite')
    const bytes = files.map((f) => readFileSync(join(fx.dataDir, f)).toString('latin1'))
    expect(bytes.join('')).toContain('cert-or-totp')
    expect(bytes.join('')).not.toContain('TOTP-SEED-VALUE')
  })

  it('stores other types with a generated id and updates them', async () => {
    const alice = await fx.createMember('alice')
    const created = await admin('POST', '/v3/credentials', {
      credential: { user_id: alice.user.id, type: 'cert', blob: 'PEM', label: 'laptop' },
    })
    expect(created.status).toBe(201)
    const id = created.body.credential.id
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(created.body.credential.label).toBe('laptop')
    const updated = await admin('PATCH', `/v3/credentials/${id}`, {
      credential: { blob: 'PEM2' },
    })
    expect(updated.body.credential).toMatchObject({ blob: 'PEM2', label: 'laptop' })
    expect((await admin('DELETE', `/v3/credentials/${id}`)).status).toBe(204)
    expect((await admin('GET', `/v3/credentials/${id}`)).status).toBe(404)
  })

  it('shows users only their own credentials', async () => {
    const alice = await fx.createMember('alice')
    const bob = await fx.createMember('bob')
    for (const m of [alice, bob])
      await admin('POST', '/v3/credentials', {
        credential: { user_id: m.user.id, type: 'cert', blob: `cert of ${m.user.name}` },
      })
    const mine = await fx.call('GET', '/v3/credentials', { token: alice.token })
    expect(mine.body.credentials.map((c: Json) => c.blob)).toEqual(['cert of alice'])
    const all = await admin('GET', '/v3/credentials?type=cert')
    expect(all.body.credentials).toHaveLength(2)
    const bobs = all.body.credentials.find((c: Json) => c.user_id === bob.user.id)
    const peek = await fx.call('GET', `/v3/credentials/${bobs.id}`, { token: alice.token })
    expect(peek.status).toBe(403)
  })

  it('refuses to create a credential for another user', async () => {
    const alice = await fx.createMember('alice')
    const bob = await fx.createMember('bob')
    const response = await fx.call('POST', '/v3/credentials', {
      token: alice.token,
      body: { credential: { user_id: bob.user.id, type: 'cert', blob: 'x' } },
    })
    expect(response.status).toBe(403)
    expect(response.body.error.title).toBe('Forbidden')
  })

  it('refuses to let an owner hand a credential to another user', async () => {
    const alice = await fx.createMember('alice')
    const bob = await fx.createMember('bob')
    const created = await fx.call('POST', '/v3/credentials', {
      token: alice.token,
      body: { credential: { user_id: alice.user.id, type: 'cert', blob: 'x' } },
    })
    const id = created.body.credential.id
    const moved = await fx.call('PATCH', `/v3/credentials/${id}`, {
      token: alice.token,
      body: { credential: { user_id: bob.user.id } },
    })
    expect(moved.status).toBe(403)
    expect((await admin('GET', `/v3/credentials/${id}`)).body.credential.user_id).toBe(
      alice.user.id,
    )
  })

  it('refuses to move a credential to a project that does not exist', async () => {
    const alice = await fx.createMember('alice')
    const created = await admin('POST', '/v3/credentials', {
      credential: { user_id: alice.user.id, project_id: alice.project.id, type: 'cert', blob: 'x' },
    })
    const id = created.body.credential.id
    const moved = await admin('PATCH', `/v3/credentials/${id}`, {
      credential: { project_id: 'ghost' },
    })
    expect(moved.status).toBe(400)
    expect(moved.body.error.message).toContain('ghost')
  })

  it('answers 404 for a credential of a user that does not exist', async () => {
    const response = await admin('POST', '/v3/credentials', {
      credential: { user_id: 'ghost', type: 'cert', blob: 'x' },
    })
    expect(response.status).toBe(404)
  })
})

describe('OS-EC2 credentials', () => {
  it('creates, lists, shows and deletes a key pair', async () => {
    const alice = await fx.createMember('alice')
    const base = `/v3/users/${alice.user.id}/credentials/OS-EC2`
    const created = await fx.call('POST', base, {
      token: alice.token,
      body: { tenant_id: alice.project.id },
    })
    expect(created.status).toBe(201)
    const { access, secret } = created.body.credential
    expect(created.body.credential).toMatchObject({
      user_id: alice.user.id,
      tenant_id: alice.project.id,
      trust_id: null,
    })
    expect(access).toMatch(/^[0-9a-f]{32}$/)
    expect(secret).toMatch(/^[0-9a-f]{32}$/)
    const listed = await fx.call('GET', base, { token: alice.token })
    expect(listed.body.credentials.map((c: Json) => c.access)).toEqual([access])
    const stored = await admin(
      'GET',
      `/v3/credentials/${createHash('sha256').update(access).digest('hex')}`,
    )
    expect(stored.status).toBe(200)
    expect((await fx.call('GET', `${base}/${access}`, { token: alice.token })).status).toBe(200)
    expect((await fx.call('DELETE', `${base}/${access}`, { token: alice.token })).status).toBe(204)
    expect((await fx.call('GET', `${base}/${access}`, { token: alice.token })).status).toBe(404)
  })

  it('refuses a project that does not exist and another user’s key pairs', async () => {
    const alice = await fx.createMember('alice')
    const bob = await fx.createMember('bob')
    const missing = await fx.call('POST', `/v3/users/${alice.user.id}/credentials/OS-EC2`, {
      token: alice.token,
      body: { tenant_id: 'ghost' },
    })
    expect(missing.status).toBe(404)
    const other = await fx.call('GET', `/v3/users/${bob.user.id}/credentials/OS-EC2`, {
      token: alice.token,
    })
    expect(other.status).toBe(403)
  })
})
