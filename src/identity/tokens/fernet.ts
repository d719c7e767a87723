/** @module identity/tokens/fernet: authenticated encryption in the Fernet format (AES-128-CBC + HMAC-SHA256) */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'

const VERSION = 0x80
const HEADER = 1 + 8 + 16
const MAC = 32

/** A 32-byte Fernet key: the first half signs, the second encrypts. */
export interface FernetKey {
  signing: Buffer
  encryption: Buffer
}

/** Decodes a url-safe base64 key as stored in a key repository. */
export function parseFernetKey(text: string): FernetKey {
  const raw = Buffer.from(text.trim(), 'base64url')
  if (raw.length !== 32) throw new Error('a Fernet key is 32 bytes of url-safe base64')
  return { signing: raw.subarray(0, 16), encryption: raw.subarray(16) }
}

/** A new random key in its stored form. */
export function generateFernetKey(): string {
  return randomBytes(32).toString('base64url')
}

/** Encrypts and signs `plaintext`; the result is url-safe base64 without padding. */
export function fernetEncrypt(key: FernetKey, plaintext: Buffer, nowMs: number): string {
  const iv = randomBytes(16)
  const cipher = createCipheriv('aes-128-cbc', key.encryption, iv)
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  const header = Buffer.alloc(9)
  header.writeUInt8(VERSION, 0)
  header.writeBigUInt64BE(BigInt(Math.floor(nowMs / 1000)), 1)
  const signed = Buffer.concat([header, iv, body])
  const mac = createHmac('sha256', key.signing).update(signed).digest()
  return Buffer.concat([signed, mac]).toString('base64url')
}

/** The plaintext of a token signed by one of `keys`, or undefined when none verifies it. */
export function fernetDecrypt(keys: readonly FernetKey[], token: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(token)) return undefined
  const raw = Buffer.from(token, 'base64url')
  if (
    raw.length < HEADER + 16 + MAC ||
    raw[0] !== VERSION ||
    (raw.length - HEADER - MAC) % 16 !== 0
  ) {
    return undefined
  }
  const signed = raw.subarray(0, raw.length - MAC)
  const mac = raw.subarray(raw.length - MAC)
  for (const key of keys) {
    const expected = createHmac('sha256', key.signing).update(signed).digest()
    if (!timingSafeEqual(expected, mac)) continue
    try {
      const decipher = createDecipheriv('aes-128-cbc', key.encryption, raw.subarray(9, HEADER))
      return Buffer.concat([
        decipher.update(raw.subarray(HEADER, raw.length - MAC)),
        decipher.final(),
      ])
    } catch {
      return undefined
    }
  }
  return undefined
}
