/** @module core/policy/policy-parser.test */

import { describe, expect, it } from 'vitest'
import { parsePolicyRule, PolicySyntaxError, referencedRules } from './policy-parser.js'

describe('parsePolicyRule', () => {
  it('parses the empty string and @ as always allow', () => {
    expect(parsePolicyRule('')).toEqual({ kind: 'true' })
    expect(parsePolicyRule('@')).toEqual({ kind: 'true' })
  })

  it('parses ! as always deny', () => {
    expect(parsePolicyRule('!')).toEqual({ kind: 'false' })
  })

  it('parses role and rule checks', () => {
    expect(parsePolicyRule('role:admin')).toEqual({ kind: 'role', match: [{ text: 'admin' }] })
    expect(parsePolicyRule('rule:admin_required')).toEqual({ kind: 'rule', name: 'admin_required' })
  })

  it('parses a generic check with a target substitution', () => {
    expect(parsePolicyRule('project_id:%(project_id)s')).toEqual({
      kind: 'generic',
      field: 'project_id',
      match: [{ key: 'project_id' }],
    })
    expect(parsePolicyRule('domain_id:%(target.project.domain_id)s')).toEqual({
      kind: 'generic',
      field: 'domain_id',
      match: [{ key: 'target.project.domain_id' }],
    })
  })

  it('parses a generic check against a literal value', () => {
    expect(parsePolicyRule('system_scope:all')).toEqual({
      kind: 'generic',
      field: 'system_scope',
      match: [{ text: 'all' }],
    })
    expect(parsePolicyRule('is_admin:True')).toEqual({
      kind: 'generic',
      field: 'is_admin',
      match: [{ text: 'True' }],
    })
  })

  it('splits only on the first colon, so the right side may contain colons', () => {
    expect(parsePolicyRule('field:a:b')).toEqual({
      kind: 'generic',
      field: 'field',
      match: [{ text: 'a:b' }],
    })
  })

  it('parses a quoted literal on the left as a literal check', () => {
    expect(parsePolicyRule("'member':%(role.name)s")).toEqual({
      kind: 'literal',
      value: 'member',
      match: [{ key: 'role.name' }],
    })
    expect(parsePolicyRule('"reader":%(role)s')).toMatchObject({ kind: 'literal', value: 'reader' })
  })

  it('treats Python literals on the left as literal checks', () => {
    expect(parsePolicyRule('True:%(enabled)s')).toMatchObject({ kind: 'literal', value: 'True' })
    expect(parsePolicyRule('42:%(count)s')).toMatchObject({ kind: 'literal', value: '42' })
  })

  it('parses text around and between substitutions, and %% as a percent sign', () => {
    expect(parsePolicyRule('name:a-%(x)s-%(y)s%%')).toEqual({
      kind: 'generic',
      field: 'name',
      match: [{ text: 'a-' }, { key: 'x' }, { text: '-' }, { key: 'y' }, { text: '%' }],
    })
  })

  it('gives not precedence over and, and and over or', () => {
    expect(parsePolicyRule('role:a or role:b and not role:c')).toEqual({
      kind: 'or',
      checks: [
        { kind: 'role', match: [{ text: 'a' }] },
        {
          kind: 'and',
          checks: [
            { kind: 'role', match: [{ text: 'b' }] },
            { kind: 'not', check: { kind: 'role', match: [{ text: 'c' }] } },
          ],
        },
      ],
    })
  })

  it('flattens chains of the same operator', () => {
    const node = parsePolicyRule('role:a and role:b and role:c')
    expect(node).toMatchObject({ kind: 'and' })
    expect(node.kind === 'and' && node.checks).toHaveLength(3)
  })

  it('lets parentheses override precedence, attached to checks or standing alone', () => {
    expect(parsePolicyRule('(role:a or role:b) and role:c')).toEqual(
      parsePolicyRule('( role:a or role:b ) and role:c'),
    )
    expect(parsePolicyRule('(role:a or role:b) and role:c')).toMatchObject({
      kind: 'and',
      checks: [{ kind: 'or' }, { kind: 'role' }],
    })
  })

  it('accepts nested parentheses and double negation', () => {
    expect(parsePolicyRule('((role:a))')).toEqual({ kind: 'role', match: [{ text: 'a' }] })
    expect(parsePolicyRule('not not role:a')).toEqual({
      kind: 'not',
      check: { kind: 'not', check: { kind: 'role', match: [{ text: 'a' }] } },
    })
  })

  it('accepts keywords in any case, as oslo does', () => {
    expect(parsePolicyRule('role:a OR NOT role:b')).toMatchObject({
      kind: 'or',
      checks: [{ kind: 'role' }, { kind: 'not' }],
    })
  })

  it('allows @ and ! inside expressions', () => {
    expect(parsePolicyRule('! or @')).toEqual({
      kind: 'or',
      checks: [{ kind: 'false' }, { kind: 'true' }],
    })
  })

  it.each([
    ['role:a and', 'unexpected end of rule'],
    ['or role:a', 'unexpected "or"'],
    ['(role:a', 'missing ")"'],
    ['role:a)', 'unexpected ")"'],
    ['()', 'unexpected ")"'],
    ['role:a role:b', 'unexpected check'],
    ['admin', 'is not a check'],
    ['role:', "nothing right of ':'"],
    [':admin', "nothing left of ':'"],
    ["'quoted'", 'is not a check'],
    ['project_id:%(project_id)d', 'bad substitution'],
    ['field:50%', 'bad substitution'],
    ['   ', 'blank'],
  ])('rejects %j naming the rule text', (rule, reason) => {
    let thrown: unknown
    try {
      parsePolicyRule(rule)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(PolicySyntaxError)
    const error = thrown as PolicySyntaxError
    expect(error.rule).toBe(rule)
    expect(error.message).toContain(`"${rule}"`)
    expect(error.reason).toContain(reason)
  })
})

describe('referencedRules', () => {
  it('lists every rule: reference however deeply nested', () => {
    const node = parsePolicyRule('rule:a or (role:x and not rule:b) or rule:a')
    expect(referencedRules(node)).toEqual(['a', 'b', 'a'])
  })

  it('is empty for rules without references', () => {
    expect(referencedRules(parsePolicyRule('role:admin'))).toEqual([])
  })
})
