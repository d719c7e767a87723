/** @module core/config/config-fields: declarative config fields, loaded from file, env and flags */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'

/** How one setting is typed, defaulted and bounded. */
export type ConfigField =
  | { kind: 'string'; default?: string; pattern?: RegExp; help: string }
  | { kind: 'int'; default: number; min?: number; max?: number; help: string }
  | { kind: 'bool'; default: boolean; help: string }
  | { kind: 'enum'; default: string; values: readonly string[]; help: string }
  | { kind: 'list'; default: readonly string[]; help: string }

/** Field specs keyed by their snake_case dotted path (`identity.token_expiration`). */
export type ConfigSpec = Readonly<Record<string, ConfigField>>

/** A setting that failed validation, with where it came from. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

/** The environment variable of a path: `identity.token_expiration` -> `NIMBUS_IDENTITY_TOKEN_EXPIRATION`. */
export function envName(path: string): string {
  return `NIMBUS_${path.replace(/[.-]/g, '_').toUpperCase()}`
}

/** The command-line flag of a path: `identity.token_expiration` -> `--identity-token-expiration`. */
export function flagName(path: string): string {
  return `--${path.replace(/[._]/g, '-')}`
}

type Raw = unknown
export type ConfigValues = Record<string, string | number | boolean | readonly string[] | undefined>

function coerce(path: string, field: ConfigField, raw: Raw, source: string): ConfigValues[string] {
  const bad = (what: string) =>
    new ConfigError(`${source}: '${path}' ${what} (got ${JSON.stringify(raw)})`)
  switch (field.kind) {
    case 'string': {
      if (typeof raw !== 'string' && typeof raw !== 'number') throw bad('must be a string')
      const text = String(raw)
      if (field.pattern && !field.pattern.test(text))
        throw bad(`must match ${String(field.pattern)}`)
      return text
    }
    case 'int': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+$/.test(raw.trim())
            ? Number(raw)
            : NaN
      if (!Number.isInteger(n)) throw bad('must be an integer')
      if (field.min !== undefined && n < field.min) throw bad(`must be at least ${field.min}`)
      if (field.max !== undefined && n > field.max) throw bad(`must be at most ${field.max}`)
      return n
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw
      const text = String(raw).toLowerCase()
      if (['1', 'true', 'yes', 'on'].includes(text)) return true
      if (['0', 'false', 'no', 'off'].includes(text)) return false
      throw bad('must be true or false')
    }
    case 'enum': {
      if (typeof raw !== 'string' || !field.values.includes(raw))
        throw bad(`must be one of ${field.values.join(', ')}`)
      return raw
    }
    case 'list': {
      if (Array.isArray(raw)) return raw.map(String)
      if (typeof raw === 'string')
        return raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      throw bad('must be a list')
    }
  }
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value))
      flatten(inner, prefix ? `${prefix}.${key}` : key, out)
  } else {
    out.set(prefix, value)
  }
}

/** Reads a YAML or JSON config file into dotted paths; unknown keys are errors. */
export function readConfigFile(path: string, spec: ConfigSpec): Map<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(error as Error).message}`)
  }
  const out = new Map<string, unknown>()
  if (parsed === null || parsed === undefined) return out
  flatten(parsed, '', out)
  for (const key of out.keys()) {
    const normal = key.replace(/-/g, '_')
    if (!(normal in spec)) throw new ConfigError(`config file ${path}: unknown setting '${key}'`)
    if (normal !== key) {
      out.set(normal, out.get(key))
      out.delete(key)
    }
  }
  return out
}

/** Sources in increasing precedence. */
export interface ConfigSources {
  file?: Map<string, unknown>
  filePath?: string
  env?: Record<string, string | undefined>
  flags?: Map<string, string>
}

/** Resolves every field: defaults < file < NIMBUS_* env < flags, each validated with its source named. */
export function resolveConfig(spec: ConfigSpec, sources: ConfigSources): ConfigValues {
  const values: ConfigValues = {}
  for (const [path, field] of Object.entries(spec)) {
    let value: ConfigValues[string] = field.default
    const fromFile = sources.file?.get(path)
    if (fromFile !== undefined)
      value = coerce(path, field, fromFile, `config file ${sources.filePath ?? ''}`.trim())
    const fromEnv = sources.env?.[envName(path)]
    if (fromEnv !== undefined && fromEnv !== '')
      value = coerce(path, field, fromEnv, `environment ${envName(path)}`)
    const fromFlag = sources.flags?.get(path)
    if (fromFlag !== undefined) value = coerce(path, field, fromFlag, `option ${flagName(path)}`)
    values[path] = value
  }
  return values
}
