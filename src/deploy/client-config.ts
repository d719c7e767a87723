/** @module deploy/client-config: clouds.yaml and openrc for the admin user */
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'

export interface AdminCredentials {
  authUrl: string
  username: string
  password: string
  projectName: string
  region: string
}

function writePrivate(path: string, text: string): void {
  const tmp = `${path}.tmp`
  writeFileSync(tmp, text, { mode: 0o600 })
  renameSync(tmp, path)
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/** Writes `<dir>/clouds.yaml` (cloud `nimbus`) and `<dir>/openrc`. */
export function writeClientConfig(
  dir: string,
  c: AdminCredentials,
): { cloudsYaml: string; openrc: string } {
  const cloudsYaml = join(dir, 'clouds.yaml')
  const openrc = join(dir, 'openrc')
  writePrivate(
    cloudsYaml,
    stringify({
      clouds: {
        nimbus: {
          auth: {
            auth_url: c.authUrl,
            username: c.username,
            password: c.password,
            project_name: c.projectName,
            user_domain_name: 'Default',
            project_domain_name: 'Default',
          },
          region_name: c.region,
          identity_api_version: 3,
          interface: 'public',
        },
      },
    }),
  )
  const lines = [
    '# Nimbus admin credentials: source this file to use the openstack CLI',
    `export OS_AUTH_URL=${shellQuote(c.authUrl)}`,
    `export OS_USERNAME=${shellQuote(c.username)}`,
    `export OS_PASSWORD=${shellQuote(c.password)}`,
    `export OS_PROJECT_NAME=${shellQuote(c.projectName)}`,
    "export OS_USER_DOMAIN_NAME='Default'",
    "export OS_PROJECT_DOMAIN_NAME='Default'",
    `export OS_REGION_NAME=${shellQuote(c.region)}`,
    'export OS_IDENTITY_API_VERSION=3',
    'export OS_INTERFACE=public',
    'unset OS_CLOUD',
    '',
  ]
  writePrivate(openrc, lines.join('\n'))
  return { cloudsYaml, openrc }
}
