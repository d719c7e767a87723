/** @module identity/test/roles-grants.test: roles, implied roles, grants and /v3/role_assignments */
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

async function createRole(name: string, fields: Json = {}): Promise<Json> {
  const response = await admin('POST', '/v3/roles', { role: { name, ...fields } })
  expect(response.status).toBe(201)
  return response.body.role
}

/** A compact, sorted form of role assignments: `role user|group target[:inherited]`. */
function summary(assignments: Json[], names: Record<string, string>): string[] {
  const label = (id: string) => names[id] ?? id
  return assignments
    .map((a) => {
      const actor = a.user ? `user:${label(a.user.id)}` : `group:${label(a.group.id)}`
      const scope = a.scope.project
        ? `project:${label(a.scope.project.id)}`
        : a.scope.domain
          ? `domain:${label(a.scope.domain.id)}`
          : 'system'
      const inherited = a.scope['OS-INHERIT:inherited_to'] ? ':inherited' : ''
      return `${label(a.role.id)} ${actor} ${scope}${inherited}`
    })
    .sort()
}

describe('roles', () => {
  it('bootstraps admin, member, reader, service and ResellerAdmin', async () => {
    const roles = await admin('GET', '/v3/roles')
    expect(roles.body.roles.map((r: Json) => r.name).sort()).toEqual([
      'ResellerAdmin',
      'admin',
      'member',
      'reader',
      'service',
    ])
  })

  it('creates, shows, updates and deletes a role', async () => {
    const role = await createRole('auditor', { description: 'reads logs' })
    expect(role).toMatchObject({
      name: 'auditor',
      description: 'reads logs',
      domain_id: null,
      options: {},
    })
    expect((await admin('GET', `/v3/roles/${role.id}`)).body.role).toEqual(role)
    const updated = await admin('PATCH', `/v3/roles/${role.id}`, {
      role: { name: 'inspector', description: null },
    })
    expect(updated.body.role).toMatchObject({ name: 'inspector', description: '' })
    expect((await admin('DELETE', `/v3/roles/${role.id}`)).status).toBe(204)
    expect((await admin('GET', `/v3/roles/${role.id}`)).status).toBe(404)
  })

  it('refuses a duplicate global role name with 409', async () => {
    const response = await admin('POST', '/v3/roles', { role: { name: 'member' } })
    expect(response.status).toBe(409)
  })

  it('keeps domain-specific roles apart from global ones', async () => {
    const role = await createRole('member', { domain_id: 'default' })
    expect(role.domain_id).toBe('default')
    const global = await admin('GET', '/v3/roles?name=member')
    expect(global.body.roles.map((r: Json) => r.domain_id)).toEqual([null])
    const scoped = await admin('GET', '/v3/roles?domain_id=default')
    expect(scoped.body.roles.map((r: Json) => r.id)).toEqual([role.id])
  })

  it('refuses to change or delete an immutable role until it is made mutable', async () => {
    const role = await createRole('locked', { options: { immutable: true } })
    expect(
      (await admin('PATCH', `/v3/roles/${role.id}`, { role: { description: 'x' } })).status,
    ).toBe(403)
    expect((await admin('DELETE', `/v3/roles/${role.id}`)).status).toBe(403)
    const unlocked = await admin('PATCH', `/v3/roles/${role.id}`, {
      role: { options: { immutable: false } },
    })
    expect(unlocked.status).toBe(200)
    expect((await admin('DELETE', `/v3/roles/${role.id}`)).status).toBe(204)
  })

  it('refuses an unknown role option', async () => {
    const response = await admin('POST', '/v3/roles', {
      role: { name: 'x', options: { sticky: true } },
    })
    expect(response.status).toBe(400)
    expect(response.body.error.message).toBe('Invalid option for role: sticky.')
  })
})

describe('implied roles', () => {
  it('bootstraps admin implying member implying reader', async () => {
    const [adminRole, member, reader] = await Promise.all(
      ['admin', 'member', 'reader'].map((n) => fx.roleId(n)),
    )
    const implies = await admin('GET', `/v3/roles/${adminRole}/implies`)
    expect(implies.body.role_inference.prior_role.name).toBe('admin')
    expect(implies.body.role_inference.implies.map((r: Json) => r.id)).toEqual([member])
    const rules = await admin('GET', '/v3/role_inferences')
    const pairs = rules.body.role_inferences.flatMap((doc: Json) =>
      doc.implies.map((r: Json) => `${doc.prior_role.name}>${r.name}`),
    )
    expect(pairs.sort()).toEqual(['admin>member', 'member>reader'])
    expect((await admin('HEAD', `/v3/roles/${member}/implies/${reader}`)).status).toBe(204)
  })

  it('creates, shows and deletes a rule, and the tokens follow it', async () => {
    const auditor = await createRole('auditor')
    const reader = await fx.roleId('reader')
    const rule = `/v3/roles/${auditor.id}/implies/${reader}`
    const created = await admin('PUT', rule)
    expect(created.status).toBe(201)
    expect(created.body.role_inference.implies.id).toBe(reader)
    expect((await admin('GET', rule)).body.role_inference.prior_role.id).toBe(auditor.id)

    const project = await fx.createProject('p')
    const user = await fx.createUser('carol', { password: 'carol-pw' })
    await fx.grantOnProject(project.id, user.id, 'auditor')
    const issued = await fx.login({ id: user.id }, 'carol-pw', { project: { id: project.id } })
    expect(issued.body.token.roles.map((r: Json) => r.name).sort()).toEqual(['auditor', 'reader'])

    expect((await admin('DELETE', rule)).status).toBe(204)
    expect((await admin('GET', rule)).status).toBe(404)
    expect((await admin('DELETE', rule)).status).toBe(404)
    fx.tick()
    const after = await fx.login({ id: user.id }, 'carol-pw', { project: { id: project.id } })
    expect(after.body.token.roles.map((r: Json) => r.name)).toEqual(['auditor'])
  })

  it('refuses a rule that would make a cycle, or a role implying itself', async () => {
    const [adminRole, reader] = await Promise.all(['admin', 'reader'].map((n) => fx.roleId(n)))
    const cycle = await admin('PUT', `/v3/roles/${reader}/implies/${adminRole}`)
    expect(cycle.status).toBe(403)
    expect(cycle.body.error.message).toMatch(/cycle/)
    expect((await admin('PUT', `/v3/roles/${reader}/implies/${reader}`)).status).toBe(403)
  })

  it('answers 404 for a rule between roles that do not exist', async () => {
    const reader = await fx.roleId('reader')
    expect((await admin('PUT', `/v3/roles/ghost/implies/${reader}`)).status).toBe(404)
    expect((await admin('GET', `/v3/roles/ghost/implies`)).status).toBe(404)
  })
})

describe('grants', () => {
  it('grants, checks, lists and revokes a user role on a project', async () => {
    const project = await fx.createProject('p')
    const user = await fx.createUser('alice')
    const reader = await fx.roleId('reader')
    const grant = `/v3/projects/${project.id}/users/${user.id}/roles/${reader}`
    expect((await admin('HEAD', grant)).status).toBe(404)
    expect((await admin('PUT', grant)).status).toBe(204)
    expect((await admin('PUT', grant)).status).toBe(204)
    expect((await admin('HEAD', grant)).status).toBe(204)
    expect((await admin('GET', grant)).status).toBe(204)
    const list = await admin('GET', `/v3/projects/${project.id}/users/${user.id}/roles`)
    expect(list.body.roles.map((r: Json) => r.name)).toEqual(['reader'])
    expect((await admin('DELETE', grant)).status).toBe(204)
    expect((await admin('DELETE', grant)).status).toBe(404)
  })

  it('grants roles on a domain and on the system to users and groups', async () => {
    const user = await fx.createUser('alice', { password: 'alice-pw' })
    const group = await admin('POST', '/v3/groups', { group: { name: 'ops' } })
    const groupId = group.body.group.id
    await admin('PUT', `/v3/groups/${groupId}/users/${user.id}`)
    const reader = await fx.roleId('reader')
    const member = await fx.roleId('member')
    for (const path of [
      `/v3/domains/default/users/${user.id}/roles/${reader}`,
      `/v3/domains/default/groups/${groupId}/roles/${member}`,
      `/v3/system/users/${user.id}/roles/${reader}`,
      `/v3/system/groups/${groupId}/roles/${member}`,
    ]) {
      expect((await admin('PUT', path)).status, path).toBe(204)
      expect((await admin('HEAD', path)).status, path).toBe(204)
    }
    const systemRoles = await admin('GET', `/v3/system/users/${user.id}/roles`)
    expect(systemRoles.body.roles.map((r: Json) => r.name)).toEqual(['reader'])
    const system = await fx.login({ id: user.id }, 'alice-pw', { system: { all: true } })
    expect(system.body.token.roles.map((r: Json) => r.name).sort()).toEqual(['member', 'reader'])
    const domain = await fx.login({ id: user.id }, 'alice-pw', { domain: { id: 'default' } })
    expect(domain.body.token.roles.map((r: Json) => r.name).sort()).toEqual(['member', 'reader'])
  })

  it('passes a role inherited on a domain to every project in it, not to the domain', async () => {
    const user = await fx.createUser('alice', { password: 'alice-pw' })
    const project = await fx.createProject('p')
    const member = await fx.roleId('member')
    const path = `/v3/OS-INHERIT/domains/default/users/${user.id}/roles/${member}/inherited_to_projects`
    expect((await admin('PUT', path)).status).toBe(204)
    expect((await admin('HEAD', path)).status).toBe(204)
    const onProject = await fx.login({ id: user.id }, 'alice-pw', { project: { id: project.id } })
    expect(onProject.status).toBe(201)
    const onDomain = await fx.login({ id: user.id }, 'alice-pw', { domain: { id: 'default' } })
    expect(onDomain.status).toBe(401)
  })

  it('passes a role inherited on a project to its children only', async () => {
    const user = await fx.createUser('alice', { password: 'alice-pw' })
    const parent = await fx.createProject('parent')
    const child = await fx.createProject('child', { parent_id: parent.id })
    const member = await fx.roleId('member')
    await admin(
      'PUT',
      `/v3/OS-INHERIT/projects/${parent.id}/users/${user.id}/roles/${member}/inherited_to_projects`,
    )
    const list = await admin(
      'GET',
      `/v3/OS-INHERIT/projects/${parent.id}/users/${user.id}/roles/inherited_to_projects`,
    )
    expect(list.body.roles.map((r: Json) => r.name)).toEqual(['member'])
    expect(
      (await fx.login({ id: user.id }, 'alice-pw', { project: { id: child.id } })).status,
    ).toBe(201)
    expect(
      (await fx.login({ id: user.id }, 'alice-pw', { project: { id: parent.id } })).status,
    ).toBe(401)
  })

  it('answers 404 for a grant naming a user, project or role that does not exist', async () => {
    const project = await fx.createProject('p')
    const user = await fx.createUser('alice')
    const reader = await fx.roleId('reader')
    for (const path of [
      `/v3/projects/${project.id}/users/ghost/roles/${reader}`,
      `/v3/projects/ghost/users/${user.id}/roles/${reader}`,
      `/v3/projects/${project.id}/users/${user.id}/roles/ghost`,
      `/v3/domains/ghost/users/${user.id}/roles/${reader}`,
      `/v3/projects/${project.id}/groups/ghost/roles/${reader}`,
    ]) {
      const response = await admin('PUT', path)
      expect(response.status, path).toBe(404)
      expect(response.body.error.code, path).toBe(404)
    }
  })

  it('refuses to grant a domain-specific role outside its domain', async () => {
    const domain = await admin('POST', '/v3/domains', { domain: { name: 'acme' } })
    const role = await createRole('local', { domain_id: domain.body.domain.id })
    const project = await fx.createProject('p')
    const user = await fx.createUser('alice')
    const response = await admin(
      'PUT',
      `/v3/projects/${project.id}/users/${user.id}/roles/${role.id}`,
    )
    expect(response.status).toBe(400)
  })
})

describe('GET /v3/role_assignments', () => {
  /** alice: member on p directly; bob: reader on p through the group ops; admin as bootstrapped. */
  async function world() {
    const p = await fx.createProject('p')
    const child = await fx.createProject('child', { parent_id: p.id })
    const alice = await fx.createUser('alice')
    const bob = await fx.createUser('bob')
    const group = (await admin('POST', '/v3/groups', { group: { name: 'ops' } })).body.group
    await admin('PUT', `/v3/groups/${group.id}/users/${bob.id}`)
    const ids = {
      admin: await fx.roleId('admin'),
      member: await fx.roleId('member'),
      reader: await fx.roleId('reader'),
    }
    await admin('PUT', `/v3/projects/${p.id}/users/${alice.id}/roles/${ids.member}`)
    await admin('PUT', `/v3/projects/${p.id}/groups/${group.id}/roles/${ids.reader}`)
    const names: Record<string, string> = {
      [p.id]: 'p',
      [child.id]: 'child',
      [alice.id]: 'alice',
      [bob.id]: 'bob',
      [group.id]: 'ops',
      [ids.admin]: 'admin',
      [ids.member]: 'member',
      [ids.reader]: 'reader',
    }
    return { p, child, alice, bob, group, ids, names }
  }

  it('lists assignments as stored, filtered by user, group, role and scope', async () => {
    const w = await world()
    const list = async (query: string) =>
      summary((await admin('GET', `/v3/role_assignments?${query}`)).body.role_assignments, w.names)
    expect(await list(`scope.project.id=${w.p.id}`)).toEqual([
      'member user:alice project:p',
      'reader group:ops project:p',
    ])
    expect(await list(`user.id=${w.alice.id}`)).toEqual(['member user:alice project:p'])
    expect(await list(`group.id=${w.group.id}`)).toEqual(['reader group:ops project:p'])
    expect(await list(`role.id=${w.ids.reader}&scope.project.id=${w.p.id}`)).toEqual([
      'reader group:ops project:p',
    ])
    expect(await list(`scope.system=all&role.id=${w.ids.admin}`)).toHaveLength(1)
  })

  it('expands groups, inheritance and implied roles with ?effective', async () => {
    const w = await world()
    await admin(
      'PUT',
      `/v3/OS-INHERIT/projects/${w.p.id}/users/${w.alice.id}/roles/${w.ids.reader}/inherited_to_projects`,
    )
    const response = await admin('GET', `/v3/role_assignments?effective&scope.project.id=${w.p.id}`)
    expect(summary(response.body.role_assignments, w.names)).toEqual([
      'member user:alice project:p',
      'reader user:alice project:p',
      'reader user:bob project:p',
    ])
    const viaGroup = response.body.role_assignments.find((a: Json) => a.user.id === w.bob.id)
    expect(viaGroup.links.membership).toBe(
      `http://localhost:80/v3/groups/${w.group.id}/users/${w.bob.id}`,
    )
    const implied = response.body.role_assignments.find(
      (a: Json) => a.user.id === w.alice.id && a.role.id === w.ids.reader,
    )
    expect(implied.links.prior_role).toBe(`http://localhost:80/v3/roles/${w.ids.member}`)
    const child = await admin(
      'GET',
      `/v3/role_assignments?effective&scope.project.id=${w.child.id}`,
    )
    expect(summary(child.body.role_assignments, w.names)).toEqual([
      'reader user:alice project:child',
    ])
  })

  it('lists only inherited assignments with scope.OS-INHERIT:inherited_to', async () => {
    const w = await world()
    await admin(
      'PUT',
      `/v3/OS-INHERIT/projects/${w.p.id}/users/${w.alice.id}/roles/${w.ids.reader}/inherited_to_projects`,
    )
    const response = await admin(
      'GET',
      `/v3/role_assignments?scope.OS-INHERIT:inherited_to=projects&user.id=${w.alice.id}`,
    )
    expect(summary(response.body.role_assignments, w.names)).toEqual([
      'reader user:alice project:p:inherited',
    ])
  })

  it('takes in the subtree with include_subtree', async () => {
    const w = await world()
    await admin('PUT', `/v3/projects/${w.child.id}/users/${w.bob.id}/roles/${w.ids.member}`)
    const response = await admin(
      'GET',
      `/v3/role_assignments?scope.project.id=${w.p.id}&include_subtree=true`,
    )
    expect(summary(response.body.role_assignments, w.names)).toEqual([
      'member user:alice project:p',
      'member user:bob project:child',
      'reader group:ops project:p',
    ])
  })

  it('adds names with include_names', async () => {
    const w = await world()
    const response = await admin('GET', `/v3/role_assignments?user.id=${w.alice.id}&include_names`)
    expect(response.body.role_assignments).toEqual([
      {
        role: { id: w.ids.member, name: 'member' },
        user: { id: w.alice.id, name: 'alice', domain: { id: 'default', name: 'Default' } },
        scope: {
          project: { id: w.p.id, name: 'p', domain: { id: 'default', name: 'Default' } },
        },
        links: {
          assignment: `http://localhost:80/v3/projects/${w.p.id}/users/${w.alice.id}/roles/${w.ids.member}`,
        },
      },
    ])
  })

  it('names the domain of a domain-specific role with include_names', async () => {
    const domain = (await admin('POST', '/v3/domains', { domain: { name: 'acme' } })).body.domain
    const role = await createRole('local', { domain_id: domain.id })
    const user = await admin('POST', '/v3/users', { user: { name: 'wile', domain_id: domain.id } })
    const grant = await admin(
      'PUT',
      `/v3/domains/${domain.id}/users/${user.body.user.id}/roles/${role.id}`,
    )
    expect(grant.status).toBe(204)
    const response = await admin(
      'GET',
      `/v3/role_assignments?user.id=${user.body.user.id}&include_names=true`,
    )
    expect(response.body.role_assignments[0].role).toEqual({
      id: role.id,
      name: 'local',
      domain: { id: domain.id, name: 'acme' },
    })
  })

  it('refuses effective with a group filter, and two scopes at once', async () => {
    const w = await world()
    const group = await admin('GET', `/v3/role_assignments?effective&group.id=${w.group.id}`)
    expect(group.status).toBe(400)
    const both = await admin(
      'GET',
      `/v3/role_assignments?scope.project.id=${w.p.id}&scope.domain.id=default`,
    )
    expect(both.status).toBe(400)
  })
})
