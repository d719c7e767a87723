/** @module identity/tokens/token-payload.test */
import { describe, expect, it } from 'vitest'
import { packPayload, unpackPayload, type TokenPayload } from './token-payload.js'

function payload(overrides: Partial<TokenPayload> = {}): TokenPayload {
  return {
    userId: 'u1',
    methods: ['password'],
    scope: 'project',
    scopeId: 'p1',
    issuedAt: 1_767_225_600_000,
    expiresAt: 1_767_229_200_000,
    auditIds: ['audit-1'],
    ...overrides,
  }
}

/** The packed form as a JSON array, to build variants of it. */
function packedArray(p: TokenPayload): unknown[] {
  return JSON.parse(packPayload(p).toString()) as unknown[]
}

describe('token payload packing', () => {
  it('round-trips a project-scoped payload', () => {
    const p = payload()
    expect(unpackPayload(packPayload(p))).toEqual(p)
  })

  it('round-trips every method combination and keeps the canonical method order', () => {
    const p = payload({ methods: ['token', 'password', 'application_credential', 'totp'] })
    expect(unpackPayload(packPayload(p))?.methods).toEqual([
      'password',
      'token',
      'application_credential',
      'totp',
    ])
  })

  it('leaves out scopeId and applicationCredentialId when they were not set', () => {
    const unscoped: TokenPayload = {
      userId: 'u1',
      methods: ['password'],
      scope: 'unscoped',
      issuedAt: 1,
      expiresAt: 2,
      auditIds: ['a'],
    }
    const back = unpackPayload(packPayload(unscoped))
    expect(back).toEqual(unscoped)
    expect(back).not.toHaveProperty('scopeId')
    expect(back).not.toHaveProperty('applicationCredentialId')
  })

  it('round-trips a system scope, an audit chain and an application credential', () => {
    const p = payload({
      scope: 'system',
      scopeId: 'all',
      auditIds: ['new', 'parent'],
      methods: ['application_credential'],
      applicationCredentialId: 'ac1',
    })
    expect(unpackPayload(packPayload(p))).toEqual(p)
  })

  it('packs small: a payload stays well under a kilobyte', () => {
    expect(packPayload(payload()).length).toBeLessThan(200)
  })

  it.each([
    ['bytes that are not JSON', Buffer.from('{nope')],
    ['JSON that is not an array', Buffer.from('{"a":1}')],
    [
      'another format version',
      Buffer.from(JSON.stringify([2, ...packedArray(payload()).slice(1)])),
    ],
    [
      'an array of the wrong length',
      Buffer.from(JSON.stringify(packedArray(payload()).slice(0, 8))),
    ],
  ])('returns undefined for %s', (_what, bytes) => {
    expect(unpackPayload(bytes)).toBeUndefined()
  })

  it.each([
    ['user id', 1, 42],
    ['method bits', 2, 'password'],
    ['scope kind', 3, 9],
    ['scope id', 4, null],
    ['issue time', 5, '2026'],
    ['expiry', 6, null],
    ['audit ids', 7, ['ok', 3]],
    ['application credential', 8, false],
  ])('returns undefined when the %s has the wrong type', (_field, index, value) => {
    const packed = packedArray(payload())
    packed[index] = value
    expect(unpackPayload(Buffer.from(JSON.stringify(packed)))).toBeUndefined()
  })
})
