/** @module identity/tokens/key-repository: a rotating set of Fernet keys kept in a folder */
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  chmodSync,
} from 'node:fs'
import { join } from 'node:path'
import {
  fernetDecrypt,
  fernetEncrypt,
  generateFernetKey,
  parseFernetKey,
  type FernetKey,
} from './fernet.js'

/**
 * Keys named by number as Keystone lays them out: `0` is staged (accepted, never used to sign),
 * the highest is primary (signs), the rest are secondary (accepted).
 */
export interface KeyRepository {
  /** Encrypts with the primary key. */
  encrypt(plaintext: Buffer, nowMs: number): string
  /** Decrypts with any active key. */
  decrypt(token: string): Buffer | undefined
  /** Promotes staged to primary, stages a new key, drops the oldest beyond `maxActiveKeys`. */
  rotate(): void
  /** Re-reads the folder (after another process rotated it). */
  reload(): void
}

function writeKey(path: string, key: string): void {
  const tmp = `${path}.tmp`
  writeFileSync(tmp, key, { mode: 0o600 })
  renameSync(tmp, path)
}

function keyNumbers(dir: string): number[] {
  return readdirSync(dir)
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b)
}

/** Opens (creating with a staged and a primary key) the repository in `dir`. */
export function openKeyRepository(dir: string, maxActiveKeys = 3): KeyRepository {
  if (maxActiveKeys < 2) throw new Error('max active keys must be at least 2')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  if (keyNumbers(dir).length === 0) {
    writeKey(join(dir, '0'), generateFernetKey())
    writeKey(join(dir, '1'), generateFernetKey())
  }
  let primary: FernetKey
  let all: FernetKey[] = []
  const load = () => {
    const numbers = keyNumbers(dir)
    const keys = numbers.map((n) => ({
      n,
      key: parseFernetKey(readFileSync(join(dir, String(n)), 'utf8')),
    }))
    const top = keys[keys.length - 1]
    if (!top || top.n === 0) throw new Error(`key repository ${dir} has no primary key`)
    primary = top.key
    // Primary first: most tokens were signed by it.
    all = [
      top.key,
      ...keys
        .slice(0, -1)
        .reverse()
        .map((k) => k.key),
    ]
  }
  load()
  return {
    encrypt: (plaintext, nowMs) => fernetEncrypt(primary, plaintext, nowMs),
    decrypt: (token) => fernetDecrypt(all, token),
    reload: load,
    rotate() {
      const numbers = keyNumbers(dir)
      const next = (numbers[numbers.length - 1] ?? 0) + 1
      renameSync(join(dir, '0'), join(dir, String(next)))
      writeKey(join(dir, '0'), generateFernetKey())
      const active = keyNumbers(dir)
      const excess = active.length - maxActiveKeys
      for (const n of active.filter((k) => k !== 0).slice(0, Math.max(0, excess))) {
        rmSync(join(dir, String(n)))
      }
      load()
    },
  }
}
