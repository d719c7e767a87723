import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { loadNimbusConfig } from './config.js'
import { metadataSecretPath, withMetadataSecret } from './metadata-secret.js'

describe('metadata secret', () => {
  const dirs: string[] = []
  const configIn = (flags: Record<string, string> = {}) => {
    const dir = mkdtempSync('/tmp/b1-secret-')
    dirs.push(dir)
    return loadNimbusConfig({
      env: {},
      flags: new Map(Object.entries({ data_dir: dir, ...flags })),
    })
  }
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('is generated once into the data dir, readable by its owner only, and kept', () => {
    const config = configIn()
    expect(config.metadata).toEqual({ host: '127.0.0.1', port: 8775, secret: '' })
    const first = withMetadataSecret(config)
    expect(first.metadata.secret.length).toBeGreaterThanOrEqual(24)
    const path = metadataSecretPath(config.dataDir)
    expect(readFileSync(path, 'utf8').trim()).toBe(first.metadata.secret)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(withMetadataSecret(config).metadata.secret).toBe(first.metadata.secret)
  })

  it('takes the one given (--metadata-secret) and keeps it for the next start', () => {
    const config = configIn({ metadata_secret: 'given-secret', metadata_port: '20775' })
    expect(config.metadata.port).toBe(20775)
    expect(withMetadataSecret(config).metadata.secret).toBe('given-secret')
    expect(readFileSync(metadataSecretPath(config.dataDir), 'utf8').trim()).toBe('given-secret')
  })
})
