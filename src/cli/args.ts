/** @module cli/args: command-line flags to config paths */
import { flagName, type ConfigSpec } from '../core/config/index.js'

/** Flags of a command: config settings plus `--config FILE`. */
export interface ParsedArgs {
  configFile?: string
  flags: Map<string, string>
  positional: string[]
}

export class UsageError extends Error {}

/** Parses `--name value` and `--name=value`; every flag must name a setting. */
export function parseArgs(argv: readonly string[], spec: ConfigSpec): ParsedArgs {
  const byFlag = new Map(Object.keys(spec).map((path) => [flagName(path), path]))
  const flags = new Map<string, string>()
  const positional: string[] = []
  let configFile: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (!arg.startsWith('--')) {
      positional.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg : arg.slice(0, eq)
    let value = eq === -1 ? undefined : arg.slice(eq + 1)
    if (value === undefined) {
      value = argv[i + 1]
      if (value === undefined || value.startsWith('--'))
        throw new UsageError(`option ${name} needs a value`)
      i++
    }
    if (name === '--config') {
      configFile = value
      continue
    }
    const path = byFlag.get(name)
    if (!path) throw new UsageError(`unknown option ${name}`)
    flags.set(path, value)
  }
  return { ...(configFile !== undefined ? { configFile } : {}), flags, positional }
}

/** The options list for `--help`. */
export function optionsHelp(spec: ConfigSpec): string {
  const lines = ['  --config FILE                         YAML file of settings']
  for (const [path, field] of Object.entries(spec)) {
    const def =
      'default' in field && field.default !== '' && field.default !== undefined
        ? ` (default ${JSON.stringify(field.default)})`
        : ''
    lines.push(`  ${flagName(path).padEnd(38)}${field.help}${def}`)
  }
  return lines.join('\n')
}
