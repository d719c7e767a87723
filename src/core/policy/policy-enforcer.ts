/** @module core/policy/policy-enforcer: evaluates registered oslo.policy rules against a request. */

import {
  parsePolicyRule,
  PolicySyntaxError,
  referencedRules,
  type PolicyNode,
  type TemplatePart,
} from './policy-parser.js'

/**
 * Who is asking, as oslo.context's policy values in camelCase. Checks name these by their oslo
 * names (`user_id`, `project_id`, `domain_id`, `system_scope`, `roles`, `is_admin`,
 * `user_domain_id`, `project_domain_id`); any other name is looked up as given, then in camelCase.
 */
export interface PolicyCredentials {
  userId?: string
  userDomainId?: string
  projectId?: string
  projectDomainId?: string
  domainId?: string
  /** `all` for a system-scoped token. */
  systemScope?: string
  /** Role names; `role:` checks compare them case-insensitively. */
  roles: readonly string[]
  /** Treated as `false` when absent, as oslo.context does. */
  isAdmin?: boolean
  [key: string]: unknown
}

/**
 * What is acted upon. `%(a.b.c)s` finds a flat key `'a.b.c'` or walks nested objects (or any mix).
 * Only strings, numbers and booleans substitute; anything else counts as missing.
 */
export type PolicyTarget = Readonly<Record<string, unknown>>

/** Evaluates named rules. Implementations compile every rule once, when created. */
export interface PolicyEnforcer {
  /**
   * Whether `creds` may do `rule` to `target`. Never throws for missing target keys or unknown
   * `rule:` references (those checks are false).
   * @throws PolicyNotRegisteredError when `rule` has neither a default nor an override.
   */
  enforce(rule: string, creds: PolicyCredentials, target: PolicyTarget): boolean
  /** The effective check string of every rule (overrides win over defaults); a fresh copy. */
  rules(): Record<string, string>
}

/** Inputs of {@link createPolicyEnforcer}. */
export interface PolicyEnforcerOptions {
  /** The rules the code registers, by name. */
  readonly defaults: Readonly<Record<string, string>>
  /** Operator overrides (a policy file); may also add rules only other rules refer to. */
  readonly overrides?: Readonly<Record<string, string>>
}

/** Thrown when code enforces a rule name that was never registered: a programming error. */
export class PolicyNotRegisteredError extends Error {
  override readonly name = 'PolicyNotRegisteredError'
  /** The unknown rule name. */
  readonly rule: string

  constructor(rule: string) {
    super(`Policy "${rule}" has not been registered`)
    this.rule = rule
  }
}

/** Thrown when rules refer to each other in a loop; `cycle` lists the names in order. */
export class PolicyCycleError extends Error {
  override readonly name = 'PolicyCycleError'
  /** The rule names forming the loop, the first repeated at the end. */
  readonly cycle: readonly string[]

  constructor(cycle: readonly string[]) {
    super(`Policy rules refer to each other in a loop: ${cycle.join(' -> ')}`)
    this.cycle = cycle
  }
}

interface Environment {
  readonly creds: PolicyCredentials
  readonly target: PolicyTarget
  readonly rule: (name: string) => boolean
}

type Evaluate = (env: Environment) => boolean

const CREDENTIAL_NAMES: Readonly<Record<string, keyof PolicyCredentials>> = {
  user_id: 'userId',
  user_domain_id: 'userDomainId',
  project_id: 'projectId',
  project_domain_id: 'projectDomainId',
  domain_id: 'domainId',
  system_scope: 'systemScope',
  roles: 'roles',
  is_admin: 'isAdmin',
}

/**
 * Builds an enforcer over `defaults` merged with `overrides`.
 * @throws PolicySyntaxError naming the policy when a check string does not parse.
 * @throws PolicyCycleError when `rule:` references form a loop.
 */
export function createPolicyEnforcer(options: PolicyEnforcerOptions): PolicyEnforcer {
  const checkStrings = new Map<string, string>([
    ...Object.entries(options.defaults),
    ...Object.entries(options.overrides ?? {}),
  ])
  const parsed = new Map<string, PolicyNode>()
  for (const [name, text] of checkStrings) {
    try {
      parsed.set(name, parsePolicyRule(text))
    } catch (error) {
      if (error instanceof PolicySyntaxError) {
        throw new PolicySyntaxError(error.rule, error.reason, name)
      }
      throw error
    }
  }
  assertNoCycles(parsed)
  const compiled = new Map<string, Evaluate>()
  for (const [name, node] of parsed) compiled.set(name, compile(node))

  return {
    enforce(rule, creds, target) {
      const evaluate = compiled.get(rule)
      if (evaluate === undefined) throw new PolicyNotRegisteredError(rule)
      const env: Environment = {
        creds,
        target,
        rule: (name) => compiled.get(name)?.(env) ?? false,
      }
      return evaluate(env)
    },
    rules() {
      return Object.fromEntries(checkStrings)
    },
  }
}

function assertNoCycles(parsed: ReadonlyMap<string, PolicyNode>): void {
  const done = new Set<string>()
  const visit = (name: string, path: string[]): void => {
    if (done.has(name)) return
    const seen = path.indexOf(name)
    if (seen >= 0) throw new PolicyCycleError([...path.slice(seen), name])
    const node = parsed.get(name)
    if (node === undefined) return
    for (const next of referencedRules(node)) visit(next, [...path, name])
    done.add(name)
  }
  for (const name of parsed.keys()) visit(name, [])
}

function compile(node: PolicyNode): Evaluate {
  switch (node.kind) {
    case 'true':
      return () => true
    case 'false':
      return () => false
    case 'and': {
      const checks = node.checks.map(compile)
      return (env) => checks.every((check) => check(env))
    }
    case 'or': {
      const checks = node.checks.map(compile)
      return (env) => checks.some((check) => check(env))
    }
    case 'not': {
      const check = compile(node.check)
      return (env) => !check(env)
    }
    case 'rule': {
      const name = node.name
      return (env) => env.rule(name)
    }
    case 'role': {
      const match = node.match
      return (env) => {
        const wanted = render(match, env.target)?.toLowerCase()
        return wanted !== undefined && env.creds.roles.some((r) => r.toLowerCase() === wanted)
      }
    }
    case 'literal': {
      const { value, match } = node
      return (env) => render(match, env.target) === value
    }
    case 'generic': {
      const { field, match } = node
      return (env) => {
        const wanted = render(match, env.target)
        if (wanted === undefined) return false
        return credentialValues(env.creds, field).some((v) => pythonString(v) === wanted)
      }
    }
  }
}

/** Substitutes target values into a right-hand side; undefined when a key is missing. */
function render(parts: readonly TemplatePart[], target: PolicyTarget): string | undefined {
  let out = ''
  for (const part of parts) {
    if ('text' in part) {
      out += part.text
      continue
    }
    const value = pythonString(lookup(target, part.key.split('.')))
    if (value === undefined) return undefined
    out += value
  }
  return out
}

/** The values a credential field holds; a list field yields each element (any may match). */
function credentialValues(creds: PolicyCredentials, field: string): unknown[] {
  const mapped = CREDENTIAL_NAMES[field]
  let value: unknown
  if (mapped !== undefined) {
    value = mapped === 'isAdmin' ? (creds.isAdmin ?? false) : creds[mapped]
  } else {
    value = lookup(creds, field.split('.'))
    if (value === undefined) value = lookup(creds, toCamelCase(field).split('.'))
  }
  return Array.isArray(value) ? value : [value]
}

/** Finds a dotted path, preferring the longest flat key at each level (`{'a.b': 1}` or `{a:{b:1}}`). */
function lookup(root: unknown, segments: readonly string[]): unknown {
  if (segments.length === 0) return root
  if (!isRecord(root)) return undefined
  for (let i = segments.length; i >= 1; i--) {
    const key = segments.slice(0, i).join('.')
    if (Object.hasOwn(root, key)) {
      const found = lookup(root[key], segments.slice(i))
      if (found !== undefined) return found
    }
  }
  return undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Renders a scalar as Python's `str()` would (oslo compares strings); others are missing. */
function pythonString(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value
    case 'boolean':
      return value ? 'True' : 'False'
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined
    case 'bigint':
      return String(value)
    default:
      return undefined
  }
}

function toCamelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())
}
