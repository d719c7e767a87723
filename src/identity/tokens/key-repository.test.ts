/** @module identity/tokens/key-repository.test */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fernetDecrypt, parseFernetKey } from './fernet.js'
import { openKeyRepository } from './key-repository.js'

const NOW = Date.parse('2026-01-01T00:00:00Z')
const dirs: string[] = []

function keyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-keys-'))
  dirs.push(dir)
  return join(dir, 'fernet-keys')
}

function keyNames(dir: string): string[] {
  return readdirSync(dir).sort((a, b) => Number(a) - Number(b))
}

function storedKey(dir: string, name: string) {
  return parseFernetKey(readFileSync(join(dir, name), 'utf8'))
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('openKeyRepository', () => {
  it('creates a staged key 0 and a primary key 1 in a private folder', () => {
    const dir = keyDir()
    openKeyRepository(dir)
    expect(keyNames(dir)).toEqual(['0', '1'])
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(join(dir, '1')).mode & 0o777).toBe(0o600)
  })

  it('keeps the keys it finds when opened again', () => {
    const dir = keyDir()
    const first = openKeyRepository(dir)
    const token = first.encrypt(Buffer.from('hello'), NOW)
    const again = openKeyRepository(dir)
    expect(again.decrypt(token)?.toString()).toBe('hello')
  })

  it('signs with the primary key, never with the staged one', () => {
    const dir = keyDir()
    const token = openKeyRepository(dir).encrypt(Buffer.from('x'), NOW)
    expect(fernetDecrypt([storedKey(dir, '0')], token)).toBeUndefined()
    expect(fernetDecrypt([storedKey(dir, '1')], token)?.toString()).toBe('x')
  })

  it('refuses fewer than two active keys', () => {
    expect(() => openKeyRepository(keyDir(), 1)).toThrow(/at least 2/)
  })

  it('refuses a folder holding only a staged key', () => {
    const dir = keyDir()
    openKeyRepository(dir)
    rmSync(join(dir, '1'))
    expect(() => openKeyRepository(dir)).toThrow(/no primary key/)
  })
})

describe('key rotation', () => {
  it('promotes the staged key to primary and stages a new key', () => {
    const dir = keyDir()
    const repo = openKeyRepository(dir, 3)
    const staged = readFileSync(join(dir, '0'), 'utf8')
    repo.rotate()
    expect(keyNames(dir)).toEqual(['0', '1', '2'])
    expect(readFileSync(join(dir, '2'), 'utf8')).toBe(staged)
    expect(readFileSync(join(dir, '0'), 'utf8')).not.toBe(staged)
  })

  it('signs new tokens with the promoted key', () => {
    const dir = keyDir()
    const repo = openKeyRepository(dir, 3)
    repo.rotate()
    const token = repo.encrypt(Buffer.from('after rotation'), NOW)
    expect(fernetDecrypt([storedKey(dir, '1')], token)).toBeUndefined()
    expect(fernetDecrypt([storedKey(dir, '2')], token)?.toString()).toBe('after rotation')
  })

  it('keeps old tokens valid until their key is dropped beyond max_active_keys', () => {
    const repo = openKeyRepository(keyDir(), 3)
    const token = repo.encrypt(Buffer.from('old'), NOW)
    repo.rotate()
    expect(repo.decrypt(token)?.toString()).toBe('old')
    repo.rotate()
    expect(repo.decrypt(token)).toBeUndefined()
  })

  it('keeps as many keys as max_active_keys allows', () => {
    const dir = keyDir()
    const repo = openKeyRepository(dir, 4)
    const token = repo.encrypt(Buffer.from('old'), NOW)
    repo.rotate()
    repo.rotate()
    expect(keyNames(dir)).toEqual(['0', '1', '2', '3'])
    expect(repo.decrypt(token)?.toString()).toBe('old')
    repo.rotate()
    expect(keyNames(dir)).toEqual(['0', '2', '3', '4'])
    expect(repo.decrypt(token)).toBeUndefined()
  })

  it('accepts a token signed with a staged key, so a key staged elsewhere is usable at once', () => {
    const dir = keyDir()
    const here = openKeyRepository(dir, 3)
    const other = openKeyRepository(join(dir, '..', 'other-keys'), 3)
    writeFileSync(join(dir, '0'), readFileSync(join(dir, '..', 'other-keys', '1')))
    here.reload()
    const token = other.encrypt(Buffer.from('from a rotated peer'), NOW)
    expect(here.decrypt(token)?.toString()).toBe('from a rotated peer')
  })

  it('picks up a rotation made by another process on reload', () => {
    const dir = keyDir()
    const server = openKeyRepository(dir, 3)
    const cli = openKeyRepository(dir, 3)
    const before = server.encrypt(Buffer.from('before'), NOW)
    cli.rotate()
    const after = cli.encrypt(Buffer.from('after'), NOW)
    cli.rotate()
    expect(server.decrypt(after)?.toString()).toBe('after')
    server.reload()
    expect(server.decrypt(before)).toBeUndefined()
    expect(server.decrypt(after)?.toString()).toBe('after')
    expect(cli.decrypt(server.encrypt(Buffer.from('same primary'), NOW))?.toString()).toBe(
      'same primary',
    )
  })
})
