/** @module identity/tokens/fernet.test */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { fernetDecrypt, fernetEncrypt, generateFernetKey, parseFernetKey } from './fernet.js'

const NOW = Date.parse('2026-01-01T00:00:00Z')

function newKey() {
  return parseFernetKey(generateFernetKey())
}

/** Rebuilds a token from its bytes with a valid MAC, so only the inner checks can refuse it. */
function resign(key: ReturnType<typeof newKey>, signed: Buffer): string {
  const mac = createHmac('sha256', key.signing).update(signed).digest()
  return Buffer.concat([signed, mac]).toString('base64url')
}

describe('fernet tokens', () => {
  it('decrypts what it encrypted', () => {
    const key = newKey()
    const plain = Buffer.from('{"user":"u1","scope":"project"}')
    const token = fernetEncrypt(key, plain, NOW)
    expect(fernetDecrypt([key], token)).toEqual(plain)
  })

  it('round-trips an empty plaintext and one that fills whole blocks', () => {
    const key = newKey()
    for (const plain of [Buffer.alloc(0), Buffer.alloc(32, 7), Buffer.alloc(33, 1)]) {
      expect(fernetDecrypt([key], fernetEncrypt(key, plain, NOW))).toEqual(plain)
    }
  })

  it('writes the version byte and the issue time in seconds into the header', () => {
    const key = newKey()
    const raw = Buffer.from(fernetEncrypt(key, Buffer.from('x'), NOW + 999), 'base64url')
    expect(raw[0]).toBe(0x80)
    expect(raw.readBigUInt64BE(1)).toBe(BigInt(NOW / 1000))
  })

  it('produces url-safe text without padding', () => {
    const token = fernetEncrypt(newKey(), Buffer.from('some payload'), NOW)
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/)
  })

  it('uses a fresh IV, so the same plaintext never gives the same token', () => {
    const key = newKey()
    const plain = Buffer.from('same')
    expect(fernetEncrypt(key, plain, NOW)).not.toBe(fernetEncrypt(key, plain, NOW))
  })

  it('rejects a token in which any single byte was changed', () => {
    const key = newKey()
    const raw = Buffer.from(
      fernetEncrypt(key, Buffer.from('payload of two blocks!'), NOW),
      'base64url',
    )
    for (let i = 0; i < raw.length; i++) {
      const tampered = Buffer.from(raw)
      tampered[i] = (tampered[i] as number) ^ 0x01
      expect(fernetDecrypt([key], tampered.toString('base64url')), `byte ${i}`).toBeUndefined()
    }
  })

  it('rejects a token signed with a key it was not given', () => {
    const token = fernetEncrypt(newKey(), Buffer.from('secret'), NOW)
    expect(fernetDecrypt([newKey(), newKey()], token)).toBeUndefined()
  })

  it('accepts a token signed by any of the keys it is given', () => {
    const [a, b, c] = [newKey(), newKey(), newKey()]
    const token = fernetEncrypt(b, Buffer.from('by b'), NOW)
    expect(fernetDecrypt([a, b, c], token)?.toString()).toBe('by b')
  })

  it('rejects a token with a valid MAC whose padding does not decrypt', () => {
    const key = newKey()
    const raw = Buffer.from(fernetEncrypt(key, Buffer.from('sixteen bytes!!!'), NOW), 'base64url')
    const signed = Buffer.from(raw.subarray(0, raw.length - 32))
    signed[signed.length - 1] = (signed[signed.length - 1] as number) ^ 0xff
    expect(fernetDecrypt([key], resign(key, signed))).toBeUndefined()
  })

  it('rejects a token with a valid MAC but another version byte', () => {
    const key = newKey()
    const raw = Buffer.from(fernetEncrypt(key, Buffer.from('v'), NOW), 'base64url')
    const signed = Buffer.from(raw.subarray(0, raw.length - 32))
    signed[0] = 0x81
    expect(fernetDecrypt([key], resign(key, signed))).toBeUndefined()
  })

  it.each([
    ['an empty string', ''],
    ['text that is not base64', 'not a token!'],
    ['a token cut short', 'gAAAAABpVbkAS3JcZsMdVyWrfB48BKyOlHPFaJX9Lds0'],
    ['a JWT-like string', 'eyJhbGciOiJIUzI1NiJ9.e30.sig'],
    ['padding in the middle', 'gAAAA=AAA'],
  ])('returns undefined for %s', (_what, token) => {
    expect(fernetDecrypt([newKey()], token)).toBeUndefined()
  })

  it('returns undefined for a token whose ciphertext is not a whole number of blocks', () => {
    const key = newKey()
    const raw = Buffer.from(fernetEncrypt(key, Buffer.from('x'), NOW), 'base64url')
    const signed = Buffer.concat([raw.subarray(0, raw.length - 32), Buffer.from([1, 2, 3])])
    expect(fernetDecrypt([key], resign(key, signed))).toBeUndefined()
  })

  it('accepts a stored key with surrounding whitespace and refuses a key of the wrong size', () => {
    const text = generateFernetKey()
    expect(parseFernetKey(`  ${text}\n`).signing).toHaveLength(16)
    expect(() => parseFernetKey(Buffer.alloc(16).toString('base64url'))).toThrow(/32 bytes/)
  })
})
