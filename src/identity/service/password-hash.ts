/** @module identity/service/password-hash: scrypt password hashes that carry their own cost */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

function scryptAsync(
  password: string,
  salt: Buffer,
  length: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))),
  )
}

/** The shortest derived key a stored hash may carry (we write 32 bytes). */
const MIN_KEY_BYTES = 16

function options(logN: number, r: number, p: number): ScryptOptions {
  return { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 1024 * 1024 }
}

/** Hashes with scrypt at cost 2^logN (r=8, p=1): `scrypt$ln=15,r=8,p=1$salt$hash`. */
export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password.normalize('NFC'), salt, 32, options(logN, 8, 1))
  return `scrypt$ln=${logN},r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`
}

/** Checks a password against a stored hash in constant time; malformed hashes never match. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = /^scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(
    stored,
  )
  if (!match) return false
  const [, ln, r, p, salt, hash] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ]
  const expected = Buffer.from(hash, 'base64')
  // An empty or cut-down key would compare equal to a derived key of the same tiny length.
  if (expected.length < MIN_KEY_BYTES) return false
  let key: Buffer
  try {
    key = await scryptAsync(
      password.normalize('NFC'),
      Buffer.from(salt, 'base64'),
      expected.length,
      options(Number(ln), Number(r), Number(p)),
    )
  } catch {
    // Parameters scrypt refuses (N not a power of two, r=0, out of range) cannot match.
    return false
  }
  return timingSafeEqual(key, expected)
}
