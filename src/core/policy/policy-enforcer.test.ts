/** @module core/policy/policy-enforcer.test */

import { describe, expect, it } from 'vitest'
import {
  createPolicyEnforcer,
  PolicyCycleError,
  PolicyNotRegisteredError,
  type PolicyCredentials,
} from './policy-enforcer.js'
import { PolicySyntaxError } from './policy-parser.js'

function member(overrides: Partial<PolicyCredentials> = {}): PolicyCredentials {
  return {
    userId: 'u1',
    userDomainId: 'd-users',
    projectId: 'p1',
    projectDomainId: 'd-projects',
    roles: ['member', 'reader'],
    ...overrides,
  }
}

function admin(overrides: Partial<PolicyCredentials> = {}): PolicyCredentials {
  return member({ roles: ['admin', 'member', 'reader'], ...overrides })
}

function enforcerWith(rules: Record<string, string>, overrides?: Record<string, string>) {
  return createPolicyEnforcer({ defaults: rules, ...(overrides ? { overrides } : {}) })
}

/** Evaluates one check string as a registered rule named `check`. */
function check(text: string, creds: PolicyCredentials, target: Record<string, unknown> = {}) {
  return enforcerWith({ check: text }).enforce('check', creds, target)
}

describe('createPolicyEnforcer', () => {
  const defaults = {
    admin_required: 'role:admin or is_admin:True',
    project_member: 'role:member and project_id:%(project_id)s',
    admin_or_owner: 'rule:admin_required or rule:project_member',
    'compute:servers:create': 'rule:admin_or_owner',
    'compute:servers:delete': 'rule:admin_or_owner',
    'identity:get_user': 'rule:admin_required or user_id:%(target.user.id)s',
    'identity:list_projects': 'role:reader and system_scope:all',
    'compute:open': '',
    'compute:closed': '!',
  }

  it('allows an owner and an admin but not another project member', () => {
    const policy = enforcerWith(defaults)
    const target = { project_id: 'p1' }
    expect(policy.enforce('compute:servers:create', member(), target)).toBe(true)
    expect(policy.enforce('compute:servers:create', admin({ projectId: 'p9' }), target)).toBe(true)
    expect(policy.enforce('compute:servers:create', member({ projectId: 'p2' }), target)).toBe(
      false,
    )
  })

  it('allows everyone for an empty rule and no one for !', () => {
    const policy = enforcerWith(defaults)
    expect(policy.enforce('compute:open', { roles: [] }, {})).toBe(true)
    expect(policy.enforce('compute:closed', admin({ isAdmin: true }), {})).toBe(false)
  })

  it('looks up %(target.user.id)s in a nested target', () => {
    const policy = enforcerWith(defaults)
    expect(policy.enforce('identity:get_user', member(), { target: { user: { id: 'u1' } } })).toBe(
      true,
    )
    expect(policy.enforce('identity:get_user', member(), { target: { user: { id: 'u2' } } })).toBe(
      false,
    )
  })

  it('looks up %(target.user.id)s in a flat target key containing dots', () => {
    const policy = enforcerWith(defaults)
    expect(policy.enforce('identity:get_user', member(), { 'target.user.id': 'u1' })).toBe(true)
  })

  it('looks up a path that mixes flat dotted keys and nesting', () => {
    expect(check('user_id:%(target.user.id)s', member(), { 'target.user': { id: 'u1' } })).toBe(
      true,
    )
    expect(check('user_id:%(target.user.id)s', member(), { target: { 'user.id': 'u1' } })).toBe(
      true,
    )
  })

  it('makes a check with a missing target key false instead of throwing', () => {
    const policy = enforcerWith(defaults)
    expect(policy.enforce('compute:servers:create', member(), {})).toBe(false)
    expect(policy.enforce('identity:get_user', member(), { target: {} })).toBe(false)
    expect(policy.enforce('identity:get_user', member(), { target: 'not an object' })).toBe(false)
  })

  it('lets a missing key inside not() make the whole rule true, as oslo does', () => {
    expect(check('not project_id:%(project_id)s', member(), {})).toBe(true)
  })

  it('treats null, objects and lists in the target as missing', () => {
    expect(check('project_id:%(project_id)s', member(), { project_id: null })).toBe(false)
    expect(check('project_id:%(project_id)s', member(), { project_id: { id: 'p1' } })).toBe(false)
    expect(check('project_id:%(project_id)s', member(), { project_id: ['p1'] })).toBe(false)
  })

  it('compares system_scope with the credential systemScope', () => {
    const policy = enforcerWith(defaults)
    const system = { userId: 'u1', systemScope: 'all', roles: ['reader'] }
    expect(policy.enforce('identity:list_projects', system, {})).toBe(true)
    expect(policy.enforce('identity:list_projects', member(), {})).toBe(false)
  })

  it('compares role names case-insensitively', () => {
    expect(check('role:Admin', member({ roles: ['ADMIN'] }))).toBe(true)
    expect(check('role:admin', member({ roles: ['administrator'] }))).toBe(false)
  })

  it('substitutes target values into role checks', () => {
    expect(check('role:%(required_role)s', member(), { required_role: 'Reader' })).toBe(true)
    expect(check('role:%(required_role)s', member(), {})).toBe(false)
  })

  it('matches is_admin:True only for credentials flagged admin', () => {
    expect(check('is_admin:True', member({ isAdmin: true }))).toBe(true)
    expect(check('is_admin:True', member({ isAdmin: false }))).toBe(false)
    expect(check('is_admin:True', member())).toBe(false)
    expect(check('is_admin:False', member())).toBe(true)
  })

  it('maps every oslo credential name to its camelCase field', () => {
    const creds: PolicyCredentials = {
      userId: 'u',
      userDomainId: 'ud',
      projectId: 'p',
      projectDomainId: 'pd',
      domainId: 'd',
      systemScope: 'all',
      roles: ['r'],
    }
    const names = {
      user_id: 'u',
      user_domain_id: 'ud',
      project_id: 'p',
      project_domain_id: 'pd',
      domain_id: 'd',
      system_scope: 'all',
      roles: 'r',
    }
    for (const [name, value] of Object.entries(names)) {
      expect(check(`${name}:${value}`, creds), name).toBe(true)
      expect(check(`${name}:other`, creds), name).toBe(false)
    }
  })

  it('compares domain_id with %(target.project.domain_id)s', () => {
    const rule = 'role:admin and domain_id:%(target.project.domain_id)s'
    const domainAdmin = { userId: 'u', domainId: 'd1', roles: ['admin'] }
    expect(check(rule, domainAdmin, { target: { project: { domain_id: 'd1' } } })).toBe(true)
    expect(check(rule, domainAdmin, { target: { project: { domain_id: 'd2' } } })).toBe(false)
  })

  it('is false when the credential attribute is absent', () => {
    expect(check('domain_id:%(domain_id)s', member(), { domain_id: 'd1' })).toBe(false)
    expect(check('system_scope:all', member())).toBe(false)
  })

  it('looks up other credential names as given, then in camelCase', () => {
    expect(check('service_user_id:svc', member({ service_user_id: 'svc' }))).toBe(true)
    expect(check('is_admin_project:True', member({ isAdminProject: true }))).toBe(true)
    expect(check('is_admin_project:True', member({ isAdminProject: false }))).toBe(false)
  })

  it('walks dotted credential paths and matches any element of a list', () => {
    const creds = member({ token: { project: { id: 'p1' } }, groups: ['g1', 'g2'] })
    expect(check('token.project.id:%(project_id)s', creds, { project_id: 'p1' })).toBe(true)
    expect(check('groups:g2', creds)).toBe(true)
    expect(check('groups:g3', creds)).toBe(false)
  })

  it('compares a quoted literal on the left with the target value', () => {
    expect(check("'member':%(role.name)s", { roles: [] }, { role: { name: 'member' } })).toBe(true)
    expect(check("'member':%(role.name)s", { roles: [] }, { 'role.name': 'admin' })).toBe(false)
    expect(check("'member':%(role.name)s", { roles: [] }, {})).toBe(false)
  })

  it('renders booleans and numbers in the target as Python would', () => {
    expect(check('True:%(enabled)s', { roles: [] }, { enabled: true })).toBe(true)
    expect(check('True:%(enabled)s', { roles: [] }, { enabled: 'true' })).toBe(false)
    expect(check('quota:%(limit)s', { roles: [], quota: 10 }, { limit: 10 })).toBe(true)
  })

  it('applies oslo precedence when evaluating', () => {
    // role:a or (role:b and (not role:c))
    const rule = 'role:a or role:b and not role:c'
    expect(check(rule, { roles: ['a', 'c'] })).toBe(true)
    expect(check(rule, { roles: ['b'] })).toBe(true)
    expect(check(rule, { roles: ['b', 'c'] })).toBe(false)
    expect(check('(role:a or role:b) and not role:c', { roles: ['a', 'c'] })).toBe(false)
  })

  it('makes rule: references to unknown rules false', () => {
    expect(check('rule:nonexistent', admin())).toBe(false)
    expect(check('rule:nonexistent or role:admin', admin())).toBe(true)
  })

  it('throws PolicyNotRegisteredError for a rule with no default and no override', () => {
    const policy = enforcerWith(defaults)
    expect(() => policy.enforce('compute:servers:reboot', admin(), {})).toThrow(
      PolicyNotRegisteredError,
    )
    expect(() => policy.enforce('compute:servers:reboot', admin(), {})).toThrow(
      /compute:servers:reboot/,
    )
  })

  it('lets overrides replace defaults and add rules', () => {
    const policy = enforcerWith(defaults, {
      'compute:servers:delete': 'rule:admin_only',
      admin_only: 'role:admin',
    })
    expect(policy.enforce('compute:servers:delete', member(), { project_id: 'p1' })).toBe(false)
    expect(policy.enforce('compute:servers:delete', admin(), { project_id: 'p1' })).toBe(true)
    expect(policy.enforce('compute:servers:create', member(), { project_id: 'p1' })).toBe(true)
    expect(policy.enforce('admin_only', admin(), {})).toBe(true)
  })

  it('follows overrides through rule: references of defaults', () => {
    const policy = enforcerWith(defaults, { admin_required: 'role:superuser' })
    expect(policy.enforce('compute:servers:create', admin({ projectId: 'p9' }), {})).toBe(false)
    const superuser = member({ projectId: 'p9', roles: ['superuser'] })
    expect(policy.enforce('compute:servers:create', superuser, {})).toBe(true)
  })

  it('reports the effective check strings with overrides winning', () => {
    const policy = enforcerWith({ a: 'role:x', b: 'role:y' }, { b: 'role:z', c: '@' })
    expect(policy.rules()).toEqual({ a: 'role:x', b: 'role:z', c: '@' })
  })

  it('returns a copy from rules() that cannot change the enforcer', () => {
    const policy = enforcerWith({ a: 'role:x' })
    policy.rules().a = '@'
    expect(policy.rules().a).toBe('role:x')
    expect(policy.enforce('a', { roles: [] }, {})).toBe(false)
  })

  it('throws PolicySyntaxError naming the policy when a check string is invalid', () => {
    const create = () => enforcerWith({ good: 'role:x' }, { bad: 'role:x and' })
    expect(create).toThrow(PolicySyntaxError)
    expect(create).toThrow(/for policy "bad"/)
  })

  it('refuses rules that refer to each other in a loop', () => {
    const create = () => enforcerWith({ a: 'rule:b or role:x', b: 'rule:c', c: 'rule:a' })
    expect(create).toThrow(PolicyCycleError)
    expect(create).toThrow(/a -> b -> c -> a/)
    expect(() => enforcerWith({ self: 'role:x or rule:self' })).toThrow(PolicyCycleError)
  })

  it('accepts diamond-shaped references that are not loops', () => {
    const policy = enforcerWith({
      top: 'rule:l and rule:r',
      l: 'rule:base',
      r: 'rule:base',
      base: '@',
    })
    expect(policy.enforce('top', { roles: [] }, {})).toBe(true)
  })

  it('does not read inherited properties of the target or credentials', () => {
    expect(check('project_id:%(constructor)s', member(), {})).toBe(false)
    expect(check('toString:%(x)s', member(), { x: 'anything' })).toBe(false)
  })
})
