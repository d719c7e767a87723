/** @module identity/test/policy-blobs.test: the /v3/policies document store */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createIdentityFixture, type IdentityFixture } from './identity-fixture.js'

let fx: IdentityFixture

beforeEach(async () => {
  fx = await createIdentityFixture()
})

afterEach(async () => {
  await fx.close()
})

describe('/v3/policies', () => {
  it('creates, shows, lists by type, updates and deletes a policy document', async () => {
    const created = await fx.call('POST', '/v3/policies', {
      token: fx.adminToken,
      body: { policy: { type: 'application/json', blob: '{"rule": "role:admin"}', note: 'kept' } },
    })
    expect(created.status).toBe(201)
    const id = created.body.policy.id
    expect(created.body.policy).toMatchObject({
      type: 'application/json',
      blob: '{"rule": "role:admin"}',
      note: 'kept',
    })
    expect(created.body.policy.links.self).toMatch(new RegExp(`/v3/policies/${id}$`))

    const other = await fx.call('POST', '/v3/policies', {
      token: fx.adminToken,
      body: { policy: { type: 'text/yaml', blob: 'a: b' } },
    })
    expect(other.status).toBe(201)
    const listed = await fx.call('GET', '/v3/policies?type=text/yaml', { token: fx.adminToken })
    expect(listed.body.policies.map((p: { id: string }) => p.id)).toEqual([other.body.policy.id])

    const updated = await fx.call('PATCH', `/v3/policies/${id}`, {
      token: fx.adminToken,
      body: { policy: { type: 'text/plain' } },
    })
    expect(updated.status).toBe(200)
    const shown = await fx.call('GET', `/v3/policies/${id}`, { token: fx.adminToken })
    expect(shown.body.policy).toMatchObject({
      id,
      type: 'text/plain',
      blob: '{"rule": "role:admin"}',
    })

    expect((await fx.call('DELETE', `/v3/policies/${id}`, { token: fx.adminToken })).status).toBe(
      204,
    )
    expect((await fx.call('GET', `/v3/policies/${id}`, { token: fx.adminToken })).status).toBe(404)
  })

  it('refuses a policy without a blob and hides the store from members', async () => {
    const missing = await fx.call('POST', '/v3/policies', {
      token: fx.adminToken,
      body: { policy: { type: 'x' } },
    })
    expect(missing.status).toBe(400)
    expect(missing.body.error.message).toContain('blob')
    const member = await fx.createMember('policy-reader')
    expect((await fx.call('GET', '/v3/policies', { token: member.token })).status).toBe(403)
  })
})
