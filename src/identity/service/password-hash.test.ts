/** @module identity/service/password-hash.test */
import { describe, expect, it } from 'vitest'
import { hashPassword, verifyPassword } from './password-hash.js'

/** The lowest cost the config allows, so tests stay fast. */
const COST = 10

describe('password hashes', () => {
  it('verifies the password it hashed and refuses another', async () => {
    const stored = await hashPassword('correct horse', COST)
    await expect(verifyPassword('correct horse', stored)).resolves.toBe(true)
    await expect(verifyPassword('correct horsE', stored)).resolves.toBe(false)
    await expect(verifyPassword('', stored)).resolves.toBe(false)
  })

  it('records its cost and parameters in the stored form', async () => {
    const stored = await hashPassword('pw', COST)
    expect(stored).toMatch(/^scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
  })

  it('salts every hash, so equal passwords hash differently', async () => {
    const [a, b] = await Promise.all([hashPassword('same', COST), hashPassword('same', COST)])
    expect(a).not.toBe(b)
    await expect(verifyPassword('same', b)).resolves.toBe(true)
  })

  it('verifies a hash made at another cost with the cost it carries', async () => {
    const stored = await hashPassword('pw', 11)
    await expect(verifyPassword('pw', stored)).resolves.toBe(true)
  })

  it('treats the composed and decomposed forms of a password as the same', async () => {
    const composed = 'caf\u00e9'
    const decomposed = 'cafe\u0301'
    const stored = await hashPassword(composed, COST)
    await expect(verifyPassword(decomposed, stored)).resolves.toBe(true)
  })

  it('handles long and non-ASCII passwords', async () => {
    const password = `${'p\u00e4ss\u{1F511}'.repeat(500)}`
    const stored = await hashPassword(password, COST)
    await expect(verifyPassword(password, stored)).resolves.toBe(true)
    await expect(verifyPassword(password.slice(0, -1), stored)).resolves.toBe(false)
  })

  it.each([
    ['an empty string', ''],
    ['another scheme', '$2b$12$abcdefghijklmnopqrstuu8mW9R3Ib8l5Dk1wY9m0YHq7p9GQ8mS2'],
    ['a truncated hash', 'scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA=='],
    ['a hash with no key bytes', 'scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA==$A'],
    [
      'a cost scrypt refuses',
      'scrypt$ln=0,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    ],
    [
      'a block size scrypt refuses',
      'scrypt$ln=10,r=0,p=1$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    ],
    [
      'an absurd cost',
      'scrypt$ln=64,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    ],
  ])('never matches %s, and does not throw', async (_what, stored) => {
    await expect(verifyPassword('anything', stored)).resolves.toBe(false)
    await expect(verifyPassword('', stored)).resolves.toBe(false)
  })
})
