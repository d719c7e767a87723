/** @module deploy/service-users: one identity user per service, for calls between services */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { randomSecret } from '../core/ids/index.js'

/** The file keeping each service user's password (readable by the owner only). */
export function serviceUsersFile(dataDir: string): string {
  return join(dataDir, 'identity', 'service-users.json')
}

/** Passwords of the given services' users, generated once and kept. */
export function serviceUserPasswords(
  dataDir: string,
  services: readonly string[],
): Record<string, string> {
  const path = serviceUsersFile(dataDir)
  const known: Record<string, string> = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>)
    : {}
  let changed = false
  for (const service of services) {
    if (!known[service]) {
      known[service] = randomSecret(24)
      changed = true
    }
  }
  if (changed) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    writeFileSync(`${path}.tmp`, JSON.stringify(known, null, 2), { mode: 0o600 })
    renameSync(`${path}.tmp`, path)
  }
  return Object.fromEntries(services.map((s) => [s, known[s] as string]))
}
