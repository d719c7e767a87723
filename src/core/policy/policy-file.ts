/** @module core/policy/policy-file: reads an operator's policy override file (YAML or JSON). */

import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { parsePolicyRule, PolicySyntaxError } from './policy-parser.js'

/** Thrown when a policy file cannot be read or holds something other than valid rules. */
export class PolicyFileError extends Error {
  override readonly name = 'PolicyFileError'
  /** The file (or source name) at fault. */
  readonly path: string
  /** The rule at fault, when the problem is one rule. */
  readonly rule: string | undefined

  constructor(path: string, message: string, options?: { rule?: string; cause?: unknown }) {
    const where = options?.rule === undefined ? path : `${path}: rule "${options.rule}"`
    super(`Invalid policy file ${where}: ${message}`, { cause: options?.cause })
    this.path = path
    this.rule = options?.rule
  }
}

/**
 * Reads `path`, a mapping of rule name to check string in YAML (JSON is valid YAML). An empty
 * file means no overrides. Every check string is parsed, so a bad one fails here, at start.
 * @throws PolicyFileError naming the file, and the rule when one rule is at fault.
 */
export async function loadPolicyOverrides(path: string): Promise<Record<string, string>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new PolicyFileError(path, `cannot be read: ${reason}`, { cause: error })
  }
  return parsePolicyOverrides(text, path)
}

/**
 * Parses the text of a policy file; `source` names it in errors.
 * @throws PolicyFileError as {@link loadPolicyOverrides} does.
 */
export function parsePolicyOverrides(text: string, source: string): Record<string, string> {
  let document: unknown
  try {
    document = parseYaml(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new PolicyFileError(source, `not valid YAML or JSON: ${reason}`, { cause: error })
  }
  if (document === null || document === undefined) return {}
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new PolicyFileError(source, 'expected a mapping of rule names to check strings')
  }
  const rules: [string, string][] = []
  for (const [rule, value] of Object.entries(document)) {
    if (typeof value !== 'string') {
      const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value
      throw new PolicyFileError(source, `expected a check string, got ${got}`, { rule })
    }
    try {
      parsePolicyRule(value)
    } catch (error) {
      if (!(error instanceof PolicySyntaxError)) throw error
      throw new PolicyFileError(source, error.message, { rule, cause: error })
    }
    rules.push([rule, value])
  }
  return Object.fromEntries(rules)
}
