/** @module deploy/metadata-secret: the secret the metadata proxy and the metadata API share */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomSecret } from '../core/ids/index.js'
import type { NimbusConfig } from './config.js'

/** Where the secret is kept: `<dataDir>/metadata-secret`, readable by root only. */
export function metadataSecretPath(dataDir: string): string {
  return join(dataDir, 'metadata-secret')
}

/**
 * The config with its metadata secret filled: the given one (kept in the data dir), else the one
 * kept there, else a new one written there. Compute's metadata API and the network's metadata
 * proxy both read `config.metadata.secret`.
 */
export function withMetadataSecret(config: Readonly<NimbusConfig>): Readonly<NimbusConfig> {
  const path = metadataSecretPath(config.dataDir)
  let secret = config.metadata.secret
  if (!secret && existsSync(path)) secret = readFileSync(path, 'utf8').trim()
  if (!secret) secret = randomSecret(24)
  if (!existsSync(path) || readFileSync(path, 'utf8').trim() !== secret) {
    writeFileSync(`${path}.tmp`, `${secret}\n`, { mode: 0o600 })
    renameSync(`${path}.tmp`, path)
  }
  return Object.freeze({ ...config, metadata: Object.freeze({ ...config.metadata, secret }) })
}
