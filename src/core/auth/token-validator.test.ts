/** @module core/auth/token-validator.test */
import { describe, expect, it } from 'vitest'
import { UnauthorizedError } from '../errors/index.js'
import type { AuthIdentity } from './request-context.js'
import { cachedTokenValidator, type TokenValidator } from './token-validator.js'

const START = Date.parse('2026-01-01T00:00:00Z')

function identity(token: string, expiresAt = '2026-01-01T01:00:00Z'): AuthIdentity {
  return {
    userId: `user-of-${token}`,
    userName: 'u',
    userDomainId: 'default',
    userDomainName: 'Default',
    roles: [],
    roleIds: [],
    auditIds: [token],
    expiresAt,
    issuedAt: '2026-01-01T00:00:00Z',
    methods: ['password'],
  }
}

/** A validator counting its calls; `bad` is refused, `short` expires after a minute. */
function counting(): TokenValidator & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    async validate(token) {
      calls.push(token)
      if (token === 'bad') throw new UnauthorizedError()
      return identity(token, token === 'short' ? '2026-01-01T00:01:00Z' : undefined)
    },
  }
}

function clock() {
  let t = START
  return { now: () => t, advance: (ms: number) => void (t += ms) }
}

describe('cachedTokenValidator', () => {
  it('asks the inner validator once per token within the time to live', async () => {
    const inner = counting()
    const time = clock()
    const cached = cachedTokenValidator(inner, { ttlMs: 1000, now: time.now })
    expect((await cached.validate('a')).userId).toBe('user-of-a')
    time.advance(999)
    await cached.validate('a')
    expect(inner.calls).toEqual(['a'])
    time.advance(1)
    await cached.validate('a')
    expect(inner.calls).toEqual(['a', 'a'])
  })

  it('never serves a token past its own expiry', async () => {
    const inner = counting()
    const time = clock()
    const cached = cachedTokenValidator(inner, { ttlMs: 3_600_000, now: time.now })
    await cached.validate('short')
    time.advance(60_000)
    await cached.validate('short')
    expect(inner.calls).toEqual(['short', 'short'])
  })

  it('does not cache refusals', async () => {
    const inner = counting()
    const cached = cachedTokenValidator(inner, { ttlMs: 1000, now: clock().now })
    await expect(cached.validate('bad')).rejects.toMatchObject({ status: 401 })
    await expect(cached.validate('bad')).rejects.toMatchObject({ status: 401 })
    expect(inner.calls).toEqual(['bad', 'bad'])
  })

  it('starts over when full, and on clear', async () => {
    const inner = counting()
    const cached = cachedTokenValidator(inner, { ttlMs: 1000, maxEntries: 2, now: clock().now })
    await cached.validate('a')
    await cached.validate('b')
    await cached.validate('c')
    await cached.validate('c')
    await cached.validate('a')
    expect(inner.calls).toEqual(['a', 'b', 'c', 'a'])
    cached.clear()
    await cached.validate('a')
    expect(inner.calls).toEqual(['a', 'b', 'c', 'a', 'a'])
  })
})
