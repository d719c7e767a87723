/** @module core/policy/policy-file.test */

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadPolicyOverrides, parsePolicyOverrides, PolicyFileError } from './policy-file.js'

describe('loadPolicyOverrides', () => {
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nimbus-policy-'))
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function file(name: string, text: string): Promise<string> {
    const path = join(dir, name)
    await writeFile(path, text)
    return path
  }

  it('reads a YAML file of rule names to check strings', async () => {
    const path = await file(
      'policy.yaml',
      [
        '# operators may comment their overrides',
        '"compute:servers:delete": "rule:admin_api"',
        'admin_api: role:admin',
        'open: ""',
      ].join('\n'),
    )
    await expect(loadPolicyOverrides(path)).resolves.toEqual({
      'compute:servers:delete': 'rule:admin_api',
      admin_api: 'role:admin',
      open: '',
    })
  })

  it('reads a JSON policy file', async () => {
    const path = await file('policy.json', JSON.stringify({ 'identity:get_user': '!' }))
    await expect(loadPolicyOverrides(path)).resolves.toEqual({ 'identity:get_user': '!' })
  })

  it('returns no overrides for an empty file', async () => {
    await expect(loadPolicyOverrides(await file('empty.yaml', ''))).resolves.toEqual({})
    await expect(loadPolicyOverrides(await file('comments.yaml', '# nothing\n'))).resolves.toEqual(
      {},
    )
  })

  it('names the file and the rule when a check string does not parse', async () => {
    const path = await file('policy.yaml', 'good: role:admin\nbad: "role:admin and"\n')
    const error = await loadPolicyOverrides(path).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PolicyFileError)
    expect((error as PolicyFileError).path).toBe(path)
    expect((error as PolicyFileError).rule).toBe('bad')
    expect((error as Error).message).toContain(path)
    expect((error as Error).message).toContain('rule "bad"')
    expect((error as Error).message).toContain('role:admin and')
  })

  it('names the file when it does not exist', async () => {
    const path = join(dir, 'missing.yaml')
    await expect(loadPolicyOverrides(path)).rejects.toThrow(PolicyFileError)
    await expect(loadPolicyOverrides(path)).rejects.toThrow(/missing\.yaml: cannot be read/)
  })

  it('names the file when it is not valid YAML', async () => {
    const path = await file('broken.yaml', 'a: [unclosed\n')
    await expect(loadPolicyOverrides(path)).rejects.toThrow(/broken\.yaml: not valid YAML/)
  })
})

describe('parsePolicyOverrides', () => {
  it('refuses a document that is not a mapping', () => {
    expect(() => parsePolicyOverrides('- role:admin\n', 'p.yaml')).toThrow(/expected a mapping/)
    expect(() => parsePolicyOverrides('role:admin', 'p.yaml')).toThrow(/expected a mapping/)
  })

  it.each([
    ['a list (the old JSON list syntax)', 'rule: [["role:admin"]]', 'a list'],
    ['a number', 'rule: 1', 'number'],
    ['a boolean', 'rule: true', 'boolean'],
    ['null', 'rule:', 'null'],
    ['a mapping', 'rule: {a: b}', 'object'],
  ])('refuses a rule whose value is %s, naming the rule', (_, text, got) => {
    expect(() => parsePolicyOverrides(text, 'p.yaml')).toThrow(
      `Invalid policy file p.yaml: rule "rule": expected a check string, got ${got}`,
    )
  })

  it('refuses duplicate rule names', () => {
    expect(() => parsePolicyOverrides('a: "@"\na: "!"\n', 'p.yaml')).toThrow(PolicyFileError)
  })

  it('keeps rule names that look like object internals as ordinary keys', () => {
    const rules = parsePolicyOverrides('__proto__: role:admin\n', 'p.yaml')
    expect(Object.keys(rules)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(rules)).toBe(Object.prototype)
  })
})
