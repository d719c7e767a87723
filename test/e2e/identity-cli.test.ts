/** @module test/e2e/identity-cli.test: the real openstack CLI against `nimbus up`, identity */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanEnv, removeDataDir, runCommand, startCloud, type Cloud } from './cloud.js'

type Row = Record<string, unknown>

const suffix = randomBytes(3).toString('hex')
const unique = (name: string) => `e2e-${name}-${suffix}`

function asRow(value: unknown): Row {
  expect(value, 'a JSON object').toBeTypeOf('object')
  expect(Array.isArray(value)).toBe(false)
  return value as Row
}

function asRows(value: unknown): Row[] {
  expect(Array.isArray(value), 'a JSON array').toBe(true)
  return (value as unknown[]).map(asRow)
}

function text(row: Row, key: string): string {
  const value = row[key]
  expect(typeof value, `${key} in ${JSON.stringify(row)}`).toBe('string')
  return value as string
}

function names(rows: Row[]): string[] {
  return rows.map((row) => text(row, 'Name'))
}

/** CLI environment that authenticates as a user with a password, without clouds.yaml. */
function passwordEnv(cloud: Cloud, user: string, password: string, project: string) {
  return {
    OS_AUTH_URL: cloud.authUrl,
    OS_AUTH_TYPE: 'password',
    OS_IDENTITY_API_VERSION: '3',
    OS_USERNAME: user,
    OS_PASSWORD: password,
    OS_PROJECT_NAME: project,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne',
  }
}

function tokenAs(cloud: Cloud, user: string, password: string, project: string) {
  return cloud.exec(['token', 'issue', '-f', 'json'], {
    useCloudsYaml: false,
    env: passwordEnv(cloud, user, password, project),
  })
}

/** Validates a token over HTTP as admin; resolves the status of GET /v3/auth/tokens. */
async function validateStatus(cloud: Cloud, subjectToken: string): Promise<number> {
  const admin = asRow(await cloud.runJson(['token', 'issue']))
  const response = await fetch(`${cloud.authUrl}/auth/tokens`, {
    headers: { 'X-Auth-Token': text(admin, 'id'), 'X-Subject-Token': subjectToken },
  })
  await response.arrayBuffer()
  return response.status
}

/** Creates a project in Default and a user with the member role on it. */
async function createMember(cloud: Cloud, name: string, password: string): Promise<string> {
  await cloud.run(['project', 'create', '--domain', 'default', name])
  const user = asRow(
    await cloud.runJson([
      'user',
      'create',
      '--domain',
      'default',
      '--project',
      name,
      '--password',
      password,
      name,
    ]),
  )
  await cloud.run(['role', 'add', '--project', name, '--user', name, 'member'])
  return text(user, 'id')
}

describe('identity through the openstack CLI', () => {
  let cloud: Cloud

  beforeAll(async () => {
    cloud = await startCloud()
  })

  afterAll(async () => {
    if (!cloud) return
    try {
      await cloud.stop()
    } finally {
      await removeDataDir(cloud.dataDir)
    }
  })

  it('issues a token for the admin project and revokes it', async () => {
    const token = asRow(await cloud.runJson(['token', 'issue']))
    const project = asRow(await cloud.runJson(['project', 'show', 'admin']))
    const user = asRow(await cloud.runJson(['user', 'show', 'admin']))
    expect(text(token, 'project_id')).toBe(text(project, 'id'))
    expect(text(token, 'user_id')).toBe(text(user, 'id'))
    expect(Date.parse(text(token, 'expires'))).toBeGreaterThan(Date.now())
    const id = text(token, 'id')
    expect(await validateStatus(cloud, id)).toBe(200)

    expect(await cloud.run(['token', 'revoke', id])).toBe('')
    expect(await validateStatus(cloud, id)).toBe(404)
  })

  it('lists the identity service and its endpoints', async () => {
    const origin = new URL(cloud.authUrl).origin
    const catalog = asRows(await cloud.runJson(['catalog', 'list']))
    const identity = catalog.find((row) => row['Type'] === 'identity')
    expect(identity, JSON.stringify(catalog)).toBeDefined()
    expect(JSON.stringify(identity)).toContain(origin)

    const endpoints = asRows(await cloud.runJson(['endpoint', 'list']))
    const publicIdentity = endpoints.filter(
      (row) => row['Service Type'] === 'identity' && row['Interface'] === 'public',
    )
    expect(publicIdentity, JSON.stringify(endpoints)).toHaveLength(1)
    expect(publicIdentity[0]?.['Region']).toBe('RegionOne')
    expect(text(publicIdentity[0] ?? {}, 'URL').startsWith(origin)).toBe(true)

    const shown = await cloud.run(['catalog', 'show', 'identity'])
    expect(shown).toContain(origin)
  })

  it('creates, lists, shows, updates and deletes a domain', async () => {
    const name = unique('domain')
    const created = asRow(await cloud.runJson(['domain', 'create', '--description', 'first', name]))
    expect(text(created, 'name')).toBe(name)
    expect(created['enabled']).toBe(true)
    expect(names(asRows(await cloud.runJson(['domain', 'list'])))).toContain(name)

    await cloud.run(['domain', 'set', '--description', 'second', name])
    const shown = asRow(await cloud.runJson(['domain', 'show', name]))
    expect(text(shown, 'id')).toBe(text(created, 'id'))
    expect(shown['description']).toBe('second')

    await cloud.run(['domain', 'set', '--disable', name])
    expect(asRow(await cloud.runJson(['domain', 'show', name]))['enabled']).toBe(false)
    await cloud.run(['domain', 'delete', name])
    expect(names(asRows(await cloud.runJson(['domain', 'list'])))).not.toContain(name)
    const gone = await cloud.exec(['domain', 'show', name])
    expect(gone.exitCode).not.toBe(0)
  })

  it('manages projects, users, groups, roles and assignments in a domain', async () => {
    const domain = unique('d')
    const project = unique('project')
    const user = unique('user')
    const group = unique('group')
    const role = unique('role')
    await cloud.run(['domain', 'create', domain])

    const p = asRow(await cloud.runJson(['project', 'create', '--domain', domain, project]))
    expect(p['enabled']).toBe(true)
    expect(names(asRows(await cloud.runJson(['project', 'list', '--domain', domain])))).toEqual([
      project,
    ])
    await cloud.run(['project', 'set', '--domain', domain, '--description', 'apps', project])
    const pShown = asRow(await cloud.runJson(['project', 'show', '--domain', domain, project]))
    expect(pShown['description']).toBe('apps')
    expect(pShown['domain_id']).toBe(p['domain_id'])

    const userArgs = ['--domain', domain, '--password', 'pw-1', '--email', 'a@example.org', user]
    const u = asRow(await cloud.runJson(['user', 'create', ...userArgs]))
    expect(u['email']).toBe('a@example.org')
    expect(names(asRows(await cloud.runJson(['user', 'list', '--domain', domain])))).toEqual([user])
    await cloud.run(['user', 'set', '--domain', domain, '--email', 'b@example.org', user])
    const uShown = asRow(await cloud.runJson(['user', 'show', '--domain', domain, user]))
    expect(uShown['email']).toBe('b@example.org')
    expect(uShown['id']).toBe(u['id'])

    await cloud.run(['group', 'create', '--domain', domain, '--description', 'g1', group])
    expect(names(asRows(await cloud.runJson(['group', 'list', '--domain', domain])))).toEqual([
      group,
    ])
    await cloud.run(['group', 'set', '--domain', domain, '--description', 'g2', group])
    const gShown = asRow(await cloud.runJson(['group', 'show', '--domain', domain, group]))
    expect(gShown['description']).toBe('g2')
    await cloud.run([
      'group',
      'add',
      'user',
      '--group-domain',
      domain,
      '--user-domain',
      domain,
      group,
      user,
    ])
    const contains = await cloud.run([
      'group',
      'contains',
      'user',
      '--group-domain',
      domain,
      '--user-domain',
      domain,
      group,
      user,
    ])
    expect(contains.trim()).toBe(`${user} in group ${group}`)
    const members = asRows(
      await cloud.runJson(['user', 'list', '--group', group, '--domain', domain]),
    )
    expect(names(members)).toEqual([user])

    const r = asRow(await cloud.runJson(['role', 'create', role]))
    expect(text(r, 'name')).toBe(role)
    expect(names(asRows(await cloud.runJson(['role', 'list'])))).toContain(role)
    await cloud.run(['role', 'set', '--description', 'for groups', role])
    expect(asRow(await cloud.runJson(['role', 'show', role]))['description']).toBe('for groups')

    const onProject = ['--project', project, '--project-domain', domain]
    await cloud.run([
      'role',
      'add',
      ...onProject,
      '--user',
      user,
      '--user-domain',
      domain,
      'member',
    ])
    await cloud.run(['role', 'add', ...onProject, '--group', group, '--group-domain', domain, role])
    const listAssignments = async () =>
      asRows(
        await cloud.runJson([
          'role',
          'assignment',
          'list',
          '--names',
          '--effective',
          '--user',
          user,
          '--user-domain',
          domain,
        ]),
      )
    const effective = await listAssignments()
    // effective assignments expand implied roles: bootstrap makes member imply reader
    expect(effective.map((row) => row['Role']).sort()).toEqual(['member', 'reader', role].sort())
    for (const row of effective) {
      expect(row['User']).toBe(`${user}@${domain}`)
      expect(row['Project']).toBe(`${project}@${domain}`)
    }

    await cloud.run([
      'role',
      'remove',
      ...onProject,
      '--user',
      user,
      '--user-domain',
      domain,
      'member',
    ])
    expect((await listAssignments()).map((row) => row['Role'])).toEqual([role])
    await cloud.run([
      'role',
      'remove',
      ...onProject,
      '--group',
      group,
      '--group-domain',
      domain,
      role,
    ])
    expect(await listAssignments()).toEqual([])

    await cloud.run(['role', 'delete', role])
    expect(names(asRows(await cloud.runJson(['role', 'list'])))).not.toContain(role)
    await cloud.run(['group', 'delete', '--domain', domain, group])
    await cloud.run(['user', 'delete', '--domain', domain, user])
    await cloud.run(['project', 'delete', '--domain', domain, project])
    expect(asRows(await cloud.runJson(['group', 'list', '--domain', domain]))).toEqual([])
    expect(asRows(await cloud.runJson(['user', 'list', '--domain', domain]))).toEqual([])
    expect(asRows(await cloud.runJson(['project', 'list', '--domain', domain]))).toEqual([])
    await cloud.run(['domain', 'set', '--disable', domain])
    await cloud.run(['domain', 'delete', domain])
  })

  it('authenticates with an application credential', async () => {
    const name = unique('appcred')
    const created = asRow(
      await cloud.runJson(['application', 'credential', 'create', '--description', 'ci', name]),
    )
    const id = text(created, 'id')
    const secret = text(created, 'secret')
    const listed = asRows(await cloud.runJson(['application', 'credential', 'list']))
    expect(names(listed)).toContain(name)
    const admin = asRow(await cloud.runJson(['token', 'issue']))

    const withCredential = (credentialSecret: string) =>
      cloud.exec(
        [
          '--os-auth-type',
          'v3applicationcredential',
          '--os-auth-url',
          cloud.authUrl,
          '--os-identity-api-version',
          '3',
          '--os-application-credential-id',
          id,
          '--os-application-credential-secret',
          credentialSecret,
          'token',
          'issue',
          '-f',
          'json',
        ],
        { useCloudsYaml: false },
      )
    const result = await withCredential(secret)
    expect(result.exitCode, result.stderr).toBe(0)
    const token = asRow(JSON.parse(result.stdout) as unknown)
    expect(token['project_id']).toBe(admin['project_id'])
    expect(token['user_id']).toBe(admin['user_id'])
    expect(await validateStatus(cloud, text(token, 'id'))).toBe(200)

    const wrong = await withCredential(`${secret}x`)
    expect(wrong.exitCode).not.toBe(0)
    expect(wrong.stderr).toContain('401')

    await cloud.run(['application', 'credential', 'delete', name])
    const afterDelete = await withCredential(secret)
    expect(afterDelete.exitCode).not.toBe(0)
  })

  it('lets a user change its own password and refuses a recent one', async () => {
    const name = unique('pwuser')
    await createMember(cloud, name, 'first-pass')
    const change = (from: string, to: string) =>
      cloud.exec(['user', 'password', 'set', '--original-password', from, '--password', to], {
        useCloudsYaml: false,
        env: passwordEnv(cloud, name, from, name),
      })

    const changed = await change('first-pass', 'second-pass')
    expect(changed.exitCode, changed.stderr).toBe(0)
    expect((await tokenAs(cloud, name, 'second-pass', name)).exitCode).toBe(0)
    const old = await tokenAs(cloud, name, 'first-pass', name)
    expect(old.exitCode).not.toBe(0)
    expect(old.stderr).toContain('401')

    // password history 2: the previous password may not come back
    const reused = await change('second-pass', 'first-pass')
    expect(reused.exitCode).not.toBe(0)
    expect(reused.stderr).toContain('400')
    expect((await tokenAs(cloud, name, 'second-pass', name)).exitCode).toBe(0)
  })

  it('locks a user out for 5 s after 2 failed passwords', async () => {
    const name = unique('lockuser')
    await createMember(cloud, name, 'right-pass')
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const bad = await tokenAs(cloud, name, 'wrong-pass', name)
      expect(bad.exitCode, `bad attempt ${attempt}`).not.toBe(0)
      expect(bad.stderr).toContain('401')
    }
    const lockedAt = Date.now()
    const refused = await tokenAs(cloud, name, 'right-pass', name)
    expect(refused.exitCode).not.toBe(0)
    expect(refused.stderr).toMatch(/locked/i)

    await sleep(Math.max(0, lockedAt + 6_000 - Date.now()))
    const allowed = await tokenAs(cloud, name, 'right-pass', name)
    expect(allowed.exitCode, allowed.stderr).toBe(0)
  })

  it('works with the generated openrc', async () => {
    const openrc = join(cloud.dataDir, 'openrc')
    const script = `source '${openrc}' && /usr/bin/openstack token issue -f json`
    const result = await runCommand('/bin/bash', ['-c', script], cleanEnv())
    expect(result.exitCode, result.stderr).toBe(0)
    const token = asRow(JSON.parse(result.stdout) as unknown)
    const admin = asRow(await cloud.runJson(['project', 'show', 'admin']))
    expect(token['project_id']).toBe(admin['id'])
  })

  it('keeps projects and users across a restart with the same data directory', async () => {
    const name = unique('keep')
    await createMember(cloud, name, 'keep-pass')
    const project = asRow(await cloud.runJson(['project', 'show', name]))
    const user = asRow(await cloud.runJson(['user', 'show', name]))

    const exit = await cloud.stop()
    expect(exit.elapsedMs).toBeLessThan(5_000)
    expect(exit.code === 0 || exit.signal === 'SIGTERM', JSON.stringify(exit)).toBe(true)
    const { dataDir, port, adminPassword } = cloud
    cloud = await startCloud({ dataDir, port, adminPassword })

    expect(asRow(await cloud.runJson(['project', 'show', name]))['id']).toBe(project['id'])
    expect(asRow(await cloud.runJson(['user', 'show', name]))['id']).toBe(user['id'])
    expect((await tokenAs(cloud, name, 'keep-pass', name)).exitCode).toBe(0)
  })
})
