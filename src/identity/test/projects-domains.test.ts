/** @module identity/test/projects-domains.test: /v3/domains and /v3/projects with tags and hierarchy */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createIdentityFixture, type IdentityFixture, type Json } from './identity-fixture.js'

let fx: IdentityFixture

beforeEach(async () => {
  fx = await createIdentityFixture()
})

afterEach(async () => {
  await fx.close()
})

function admin(method: string, url: string, body?: unknown) {
  return fx.call(method, url, { token: fx.adminToken, ...(body !== undefined ? { body } : {}) })
}

function names(list: Json[]): string[] {
  return list.map((p) => p.name as string).sort()
}

async function createDomain(name: string, fields: Json = {}): Promise<Json> {
  const response = await admin('POST', '/v3/domains', { domain: { name, ...fields } })
  expect(response.status).toBe(201)
  return response.body.domain
}

describe('domains', () => {
  it('creates, shows, lists and updates a domain', async () => {
    const created = await createDomain('acme', { description: 'Acme Corp', tags: ['gold'] })
    expect(created).toMatchObject({
      name: 'acme',
      description: 'Acme Corp',
      enabled: true,
      tags: ['gold'],
    })
    expect(created.id).toMatch(/^[0-9a-f]{32}$/)
    expect(created.links.self).toBe(`http://localhost:80/v3/domains/${created.id}`)
    const shown = await admin('GET', `/v3/domains/${created.id}`)
    expect(shown.body.domain).toEqual(created)
    const listed = await admin('GET', '/v3/domains')
    expect(names(listed.body.domains)).toEqual(['Default', 'acme'])
    const filtered = await admin('GET', '/v3/domains?name=acme')
    expect(filtered.body.domains.map((d: Json) => d.id)).toEqual([created.id])
    const updated = await admin('PATCH', `/v3/domains/${created.id}`, {
      domain: { description: 'renamed', enabled: false },
    })
    expect(updated.status).toBe(200)
    expect(updated.body.domain).toMatchObject({ description: 'renamed', enabled: false })
  })

  it('takes an explicit id when asked', async () => {
    const created = await createDomain('fixed', { explicit_domain_id: 'fixed-domain-id' })
    expect(created.id).toBe('fixed-domain-id')
  })

  it('refuses a duplicate name with 409', async () => {
    await createDomain('acme')
    const again = await admin('POST', '/v3/domains', { domain: { name: 'acme' } })
    expect(again.status).toBe(409)
    expect(again.body.error.message).toContain('acme')
  })

  it('refuses to delete an enabled domain', async () => {
    const domain = await createDomain('acme')
    const response = await admin('DELETE', `/v3/domains/${domain.id}`)
    expect(response.status).toBe(403)
    expect(response.body.error.message).toMatch(/disable it first/)
  })

  it('deletes a disabled domain with its projects, users and groups', async () => {
    const domain = await createDomain('acme')
    const project = await admin('POST', '/v3/projects', {
      project: { name: 'rockets', domain_id: domain.id },
    })
    const child = await admin('POST', '/v3/projects', {
      project: { name: 'boosters', parent_id: project.body.project.id },
    })
    const user = await admin('POST', '/v3/users', {
      user: { name: 'wile', domain_id: domain.id, password: 'coyote' },
    })
    const group = await admin('POST', '/v3/groups', { group: { name: 'g', domain_id: domain.id } })
    const credential = await admin('POST', '/v3/credentials', {
      credential: {
        user_id: user.body.user.id,
        type: 'ec2',
        project_id: project.body.project.id,
        blob: JSON.stringify({ access: 'acme-access', secret: 's' }),
      },
    })
    expect(credential.status).toBe(201)
    await admin('PATCH', `/v3/domains/${domain.id}`, { domain: { enabled: false } })
    expect((await admin('DELETE', `/v3/domains/${domain.id}`)).status).toBe(204)
    expect((await admin('GET', `/v3/domains/${domain.id}`)).status).toBe(404)
    expect((await admin('GET', `/v3/projects/${project.body.project.id}`)).status).toBe(404)
    expect((await admin('GET', `/v3/projects/${child.body.project.id}`)).status).toBe(404)
    expect((await admin('GET', `/v3/users/${user.body.user.id}`)).status).toBe(404)
    expect((await admin('GET', `/v3/groups/${group.body.group.id}`)).status).toBe(404)
    expect((await admin('GET', `/v3/credentials/${credential.body.credential.id}`)).status).toBe(
      404,
    )
  })

  it('answers 404 for a domain that does not exist, and for a project id', async () => {
    expect((await admin('GET', '/v3/domains/nope')).status).toBe(404)
    const project = await fx.createProject('p')
    const response = await admin('GET', `/v3/domains/${project.id}`)
    expect(response.status).toBe(404)
    expect(response.body.error.message).toBe(`Could not find domain: ${project.id}.`)
  })
})

describe('projects', () => {
  it('creates a project in the default domain and shows it', async () => {
    const project = await fx.createProject('web', { description: 'frontends', tags: ['a', 'b'] })
    expect(project).toMatchObject({
      name: 'web',
      description: 'frontends',
      domain_id: 'default',
      parent_id: 'default',
      is_domain: false,
      enabled: true,
      tags: ['a', 'b'],
    })
    const shown = await admin('GET', `/v3/projects/${project.id}`)
    expect(shown.body.project).toEqual(project)
  })

  it('assigns the id itself, whatever the body says', async () => {
    const response = await admin('POST', '/v3/projects', { project: { name: 'x', id: '' } })
    expect(response.status).toBe(201)
    expect(response.body.project.id).toMatch(/^[0-9a-f]{32}$/)
    const chosen = await admin('POST', '/v3/projects', { project: { name: 'y', id: 'chosen' } })
    expect(chosen.body.project.id).not.toBe('chosen')
  })

  it('keeps extra attributes and shows them back', async () => {
    const project = await fx.createProject('extra', { owner: 'ops', cost_centre: 42 })
    expect(project).toMatchObject({ owner: 'ops', cost_centre: 42 })
    const updated = await admin('PATCH', `/v3/projects/${project.id}`, {
      project: { owner: 'dev' },
    })
    expect(updated.body.project).toMatchObject({ owner: 'dev', cost_centre: 42 })
  })

  it('refuses a duplicate name in a domain, but not in another domain', async () => {
    await fx.createProject('web')
    const again = await admin('POST', '/v3/projects', { project: { name: 'web' } })
    expect(again.status).toBe(409)
    const domain = await createDomain('acme')
    const elsewhere = await admin('POST', '/v3/projects', {
      project: { name: 'web', domain_id: domain.id },
    })
    expect(elsewhere.status).toBe(201)
  })

  it('refuses a project in a domain that does not exist', async () => {
    const response = await admin('POST', '/v3/projects', {
      project: { name: 'x', domain_id: 'nowhere' },
    })
    expect(response.status).toBe(404)
    expect(response.body.error.message).toContain('nowhere')
  })

  it('filters the list by name, domain, parent, enabled and tags', async () => {
    const a = await fx.createProject('alpha', { tags: ['red', 'big'] })
    await fx.createProject('beta', { tags: ['red'], enabled: false })
    await fx.createProject('gamma', { tags: ['blue'], parent_id: a.id })
    const list = async (query: string) =>
      names((await admin('GET', `/v3/projects?${query}`)).body.projects)
    expect(await list('name=beta')).toEqual(['beta'])
    expect(await list('parent_id=' + a.id)).toEqual(['gamma'])
    expect(await list('enabled=false')).toEqual(['beta'])
    expect(await list('tags=red,big')).toEqual(['alpha'])
    expect(await list('tags-any=big,blue')).toEqual(['alpha', 'gamma'])
    expect(await list('not-tags=red,big')).toEqual(['admin', 'beta', 'gamma', 'service'])
    expect(await list('not-tags-any=red')).toEqual(['admin', 'gamma', 'service'])
    expect(await list('domain_id=default&tags=blue')).toEqual(['gamma'])
  })

  it('updates name, description and enabled, and refuses a clashing name', async () => {
    const project = await fx.createProject('web')
    await fx.createProject('api')
    const updated = await admin('PATCH', `/v3/projects/${project.id}`, {
      project: { name: 'www', description: 'd', enabled: false },
    })
    expect(updated.body.project).toMatchObject({ name: 'www', description: 'd', enabled: false })
    const clash = await admin('PATCH', `/v3/projects/${project.id}`, { project: { name: 'api' } })
    expect(clash.status).toBe(409)
  })

  it('refuses to move a project to another parent or domain', async () => {
    const project = await fx.createProject('web')
    const other = await fx.createProject('other')
    const parent = await admin('PATCH', `/v3/projects/${project.id}`, {
      project: { parent_id: other.id },
    })
    expect(parent.status).toBe(403)
    const domain = await createDomain('acme')
    const moved = await admin('PATCH', `/v3/projects/${project.id}`, {
      project: { domain_id: domain.id },
    })
    expect(moved.status).toBe(400)
  })

  it('answers 404 for a project that does not exist', async () => {
    const response = await admin('GET', '/v3/projects/nope')
    expect(response.status).toBe(404)
    expect(response.body.error).toEqual({
      code: 404,
      title: 'Not Found',
      message: 'Could not find project: nope.',
    })
  })

  it('creates a domain through the projects API with is_domain', async () => {
    const response = await admin('POST', '/v3/projects', {
      project: { name: 'as-domain', is_domain: true },
    })
    expect(response.status).toBe(201)
    expect(response.body.project).toMatchObject({ is_domain: true, domain_id: null })
    const domains = await admin('GET', '/v3/projects?is_domain=true')
    expect(names(domains.body.projects)).toEqual(['Default', 'as-domain'])
  })
})

describe('project hierarchy', () => {
  it('nests a project under a parent in the parent’s domain', async () => {
    const parent = await fx.createProject('parent')
    const child = await fx.createProject('child', { parent_id: parent.id })
    expect(child).toMatchObject({ parent_id: parent.id, domain_id: 'default' })
  })

  it('refuses a parent that does not exist or sits in another domain', async () => {
    const missing = await admin('POST', '/v3/projects', {
      project: { name: 'orphan', parent_id: 'nope' },
    })
    expect(missing.status).toBe(400)
    expect(missing.body.error.message).toContain('nope')
    const parent = await fx.createProject('parent')
    const domain = await createDomain('acme')
    const mismatch = await admin('POST', '/v3/projects', {
      project: { name: 'c', parent_id: parent.id, domain_id: domain.id },
    })
    expect(mismatch.status).toBe(400)
  })

  it('refuses to delete a project with children unless asked to cascade', async () => {
    const root = await fx.createProject('root')
    const mid = await fx.createProject('mid', { parent_id: root.id })
    const leaf = await fx.createProject('leaf', { parent_id: mid.id })
    const refused = await admin('DELETE', `/v3/projects/${root.id}`)
    expect(refused.status).toBe(403)
    expect(refused.body.error.message).toMatch(/not a leaf/)
    expect((await admin('DELETE', `/v3/projects/${root.id}?cascade=true`)).status).toBe(204)
    for (const id of [root.id, mid.id, leaf.id])
      expect((await admin('GET', `/v3/projects/${id}`)).status).toBe(404)
  })

  it('deletes a leaf project and its role assignments', async () => {
    const alice = await fx.createMember('alice')
    expect((await admin('DELETE', `/v3/projects/${alice.project.id}`)).status).toBe(204)
    const assignments = await admin('GET', `/v3/role_assignments?user.id=${alice.user.id}`)
    expect(assignments.body.role_assignments).toEqual([])
  })
})

describe('project tags', () => {
  it('adds, checks, lists, replaces and removes tags', async () => {
    const project = await fx.createProject('tagged')
    const base = `/v3/projects/${project.id}/tags`
    expect((await admin('PUT', `${base}/blue`)).status).toBe(201)
    expect((await admin('PUT', `${base}/blue`)).status).toBe(201)
    expect((await admin('GET', `${base}/blue`)).status).toBe(204)
    expect((await admin('GET', `${base}/red`)).status).toBe(404)
    expect((await admin('GET', base)).body.tags).toEqual(['blue'])
    const replaced = await admin('PUT', base, { tags: ['x', 'y'] })
    expect(replaced.status).toBe(200)
    expect(replaced.body.tags.sort()).toEqual(['x', 'y'])
    expect((await admin('DELETE', `${base}/x`)).status).toBe(204)
    expect((await admin('DELETE', `${base}/x`)).status).toBe(404)
    expect((await admin('GET', base)).body.tags).toEqual(['y'])
    expect((await admin('DELETE', base)).status).toBe(204)
    expect((await admin('GET', `/v3/projects/${project.id}`)).body.project.tags).toEqual([])
  })

  it('refuses tags with a comma or a slash, and more than 80', async () => {
    const project = await fx.createProject('tagged')
    const comma = await admin('PUT', `/v3/projects/${project.id}/tags`, { tags: ['a,b'] })
    expect(comma.status).toBe(400)
    expect(comma.body.error.message).toContain("'tags.0'")
    const many = Array.from({ length: 81 }, (_, i) => `t${i}`)
    expect((await admin('PUT', `/v3/projects/${project.id}/tags`, { tags: many })).status).toBe(400)
    const slash = await admin('PUT', `/v3/projects/${project.id}/tags/a%2Fb`)
    expect(slash.status).toBe(400)
  })
})

describe('what a token may scope to', () => {
  it('lists the projects, domains and system a user has roles on', async () => {
    const alice = await fx.createMember('alice')
    const projects = await fx.call('GET', '/v3/auth/projects', { token: alice.token })
    expect(names(projects.body.projects)).toEqual(['alice-project'])
    const mine = await fx.call('GET', `/v3/users/${alice.user.id}/projects`, {
      token: alice.token,
    })
    expect(names(mine.body.projects)).toEqual(['alice-project'])
    const domains = await fx.call('GET', '/v3/auth/domains', { token: alice.token })
    expect(domains.body.domains).toEqual([])
    const system = await fx.call('GET', '/v3/auth/system', { token: alice.token })
    expect(system.body.system).toEqual([])
    const adminSystem = await fx.call('GET', '/v3/auth/system', { token: fx.adminToken })
    expect(adminSystem.body.system).toEqual([{ all: true }])
  })

  it('includes the projects below an inherited assignment and leaves out disabled ones', async () => {
    const bob = await fx.createUser('bob', { password: 'bob-pw' })
    const root = await fx.createProject('root')
    const child = await fx.createProject('child', { parent_id: root.id })
    await fx.createProject('off', { parent_id: root.id, enabled: false })
    const member = await fx.roleId('member')
    const inherit = await admin(
      'PUT',
      `/v3/OS-INHERIT/projects/${root.id}/users/${bob.id}/roles/${member}/inherited_to_projects`,
    )
    expect(inherit.status).toBe(204)
    const token = await fx.token({ id: bob.id }, 'bob-pw', { project: { id: child.id } })
    const projects = await fx.call('GET', '/v3/auth/projects', { token })
    expect(names(projects.body.projects)).toEqual(['child'])
  })
})
