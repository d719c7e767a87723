/** @module deploy/admin-password: the admin password, given or generated once and kept */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomSecret } from '../core/ids/index.js'

/** The password to use and whether it was generated now. */
export function resolveAdminPassword(
  dataDir: string,
  given: string,
): { password: string; generated: boolean } {
  const path = join(dataDir, 'admin-password')
  const keep = (password: string) => {
    writeFileSync(`${path}.tmp`, `${password}\n`, { mode: 0o600 })
    renameSync(`${path}.tmp`, path)
  }
  if (given) {
    keep(given)
    return { password: given, generated: false }
  }
  if (existsSync(path)) {
    const stored = readFileSync(path, 'utf8').trim()
    if (stored) return { password: stored, generated: false }
  }
  const password = randomSecret(18)
  keep(password)
  return { password, generated: true }
}
