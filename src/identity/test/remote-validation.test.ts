/** @module identity/test/remote-validation.test: services apart from identity validate tokens over its API */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { remoteTokenValidator } from '../../core/auth/index.js'
import { createIdentityFixture, type IdentityFixture } from './identity-fixture.js'

/** A `fetch` that answers from the fixture's Fastify app without a socket. */
function injectedFetch(fixture: IdentityFixture): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input))
    const response = await fixture.app.inject({
      method: (init?.method ?? 'GET') as 'GET' | 'POST',
      url: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      ...(init?.body !== undefined ? { payload: String(init.body) } : {}),
    })
    const headers = new Headers()
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers.set(name, String(value))
    }
    return new Response(response.statusCode === 204 ? null : response.body, {
      status: response.statusCode,
      headers,
    })
  }) as typeof fetch
}

describe('remote token validation', () => {
  let fixture: IdentityFixture
  beforeEach(async () => {
    fixture = await createIdentityFixture()
  })
  afterEach(async () => {
    await fixture.close()
  })

  function validator() {
    return remoteTokenValidator(
      {
        authUrl: 'http://identity.test/v3',
        username: 'admin',
        password: fixture.adminPassword,
        projectName: 'admin',
      },
      { fetch: injectedFetch(fixture) },
    )
  }

  it('returns the identity of a valid token with its project and roles', async () => {
    const member = await fixture.createMember('remote-alice')
    const identity = await validator().validate(member.token)
    expect(identity.userId).toBe(member.user.id)
    expect(identity.projectId).toBe(member.project.id)
    expect(identity.roles).toContain('member')
    expect(identity.roles).toContain('reader')
  })

  it('rejects a revoked token with 401', async () => {
    const member = await fixture.createMember('remote-bob')
    const revoked = await fixture.call('DELETE', '/v3/auth/tokens', {
      token: fixture.adminToken,
      headers: { 'x-subject-token': member.token },
    })
    expect(revoked.status).toBe(204)
    await expect(validator().validate(member.token)).rejects.toMatchObject({ status: 401 })
  })

  it('rejects garbage with 401', async () => {
    await expect(validator().validate('not-a-token')).rejects.toMatchObject({ status: 401 })
  })

  it('answers 503 when the service user cannot authenticate', async () => {
    const wrong = remoteTokenValidator(
      {
        authUrl: 'http://identity.test/v3',
        username: 'admin',
        password: 'wrong',
        projectName: 'admin',
      },
      { fetch: injectedFetch(fixture) },
    )
    const member = await fixture.createMember('remote-carol')
    await expect(wrong.validate(member.token)).rejects.toMatchObject({ status: 503 })
  })
})
