/** @module core/config/config-fields.test */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ConfigError,
  envName,
  flagName,
  readConfigFile,
  resolveConfig,
  type ConfigSpec,
} from './config-fields.js'

function spec(): ConfigSpec {
  return {
    'identity.token_expiration': { kind: 'int', default: 3600, min: 60, max: 86400, help: 'h' },
    'identity.name': { kind: 'string', default: 'keystone', pattern: /^[a-z]+$/, help: 'h' },
    debug: { kind: 'bool', default: false, help: 'h' },
    log_level: { kind: 'enum', default: 'info', values: ['debug', 'info', 'warn'], help: 'h' },
    hosts: { kind: 'list', default: ['a'], help: 'h' },
    admin_password: { kind: 'string', help: 'h' },
  }
}

const dirs: string[] = []

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-config-'))
  dirs.push(dir)
  const path = join(dir, 'nimbus.yaml')
  writeFileSync(path, text)
  return path
}

/** The ConfigError a resolution throws. */
function failure(run: () => unknown): ConfigError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected a ConfigError')
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('names', () => {
  it('derives the environment variable and the flag of a path', () => {
    expect(envName('identity.token_expiration')).toBe('NIMBUS_IDENTITY_TOKEN_EXPIRATION')
    expect(envName('public-host')).toBe('NIMBUS_PUBLIC_HOST')
    expect(flagName('identity.token_expiration')).toBe('--identity-token-expiration')
  })
})

describe('resolveConfig', () => {
  it('uses the defaults when no source sets a value', () => {
    expect(resolveConfig(spec(), {})).toEqual({
      'identity.token_expiration': 3600,
      'identity.name': 'keystone',
      debug: false,
      log_level: 'info',
      hosts: ['a'],
      admin_password: undefined,
    })
  })

  it('lets the file beat the defaults, the environment beat the file and flags beat both', () => {
    const path = 'identity.token_expiration'
    const file = new Map<string, unknown>([[path, 100]])
    const env = { NIMBUS_IDENTITY_TOKEN_EXPIRATION: '200' }
    const flags = new Map([[path, '300']])
    expect(resolveConfig(spec(), { file })[path]).toBe(100)
    expect(resolveConfig(spec(), { file, env })[path]).toBe(200)
    expect(resolveConfig(spec(), { file, env, flags })[path]).toBe(300)
    expect(resolveConfig(spec(), { env, flags })[path]).toBe(300)
  })

  it('ignores an empty environment variable', () => {
    const file = new Map<string, unknown>([['log_level', 'warn']])
    expect(resolveConfig(spec(), { file, env: { NIMBUS_LOG_LEVEL: '' } })['log_level']).toBe('warn')
  })

  it.each([
    ['true', true],
    ['YES', true],
    ['on', true],
    ['1', true],
    ['false', false],
    ['No', false],
    ['off', false],
    ['0', false],
  ])('reads the boolean %j as %j', (text, value) => {
    expect(resolveConfig(spec(), { env: { NIMBUS_DEBUG: text } })['debug']).toBe(value)
  })

  it('reads integers with surrounding space and lists separated by commas', () => {
    const values = resolveConfig(spec(), {
      env: { NIMBUS_IDENTITY_TOKEN_EXPIRATION: ' 120 ', NIMBUS_HOSTS: 'x, y,,z ' },
    })
    expect(values['identity.token_expiration']).toBe(120)
    expect(values['hosts']).toEqual(['x', 'y', 'z'])
  })

  it('accepts a list from a file as an array', () => {
    const file = new Map<string, unknown>([['hosts', ['p', 1]]])
    expect(resolveConfig(spec(), { file })['hosts']).toEqual(['p', '1'])
  })

  it('names the file, the setting and the value when the file has a bad value', () => {
    const file = new Map<string, unknown>([['identity.token_expiration', 'soon']])
    const error = failure(() => resolveConfig(spec(), { file, filePath: '/etc/nimbus.yaml' }))
    expect(error.message).toBe(
      `config file /etc/nimbus.yaml: 'identity.token_expiration' must be an integer (got "soon")`,
    )
  })

  it('names the environment variable when it has a bad value', () => {
    const error = failure(() =>
      resolveConfig(spec(), { env: { NIMBUS_IDENTITY_TOKEN_EXPIRATION: '10' } }),
    )
    expect(error.message).toBe(
      `environment NIMBUS_IDENTITY_TOKEN_EXPIRATION: 'identity.token_expiration' must be at least 60 (got "10")`,
    )
  })

  it('names the flag when it has a bad value', () => {
    const flags = new Map([['identity.token_expiration', '99999999']])
    expect(failure(() => resolveConfig(spec(), { flags })).message).toBe(
      `option --identity-token-expiration: 'identity.token_expiration' must be at most 86400 (got "99999999")`,
    )
  })

  it.each([
    ['NIMBUS_IDENTITY_TOKEN_EXPIRATION', '1.5', /must be an integer/],
    ['NIMBUS_IDENTITY_TOKEN_EXPIRATION', '0x100', /must be an integer/],
    ['NIMBUS_IDENTITY_NAME', 'Key Stone', /must match/],
    ['NIMBUS_DEBUG', 'maybe', /must be true or false/],
    ['NIMBUS_LOG_LEVEL', 'INFO', /must be one of debug, info, warn/],
  ])('refuses %s=%j', (name, value, message) => {
    expect(failure(() => resolveConfig(spec(), { env: { [name]: value } })).message).toMatch(
      message,
    )
  })

  it('refuses a file value of the wrong shape', () => {
    const file = new Map<string, unknown>([['identity.name', { nested: true }]])
    expect(failure(() => resolveConfig(spec(), { file })).message).toMatch(/must be a string/)
    const list = new Map<string, unknown>([['hosts', 5]])
    expect(failure(() => resolveConfig(spec(), { file: list })).message).toMatch(/must be a list/)
  })

  it('checks a value even when a later source overrides it', () => {
    const file = new Map<string, unknown>([['debug', 'perhaps']])
    expect(() => resolveConfig(spec(), { file, env: { NIMBUS_DEBUG: 'true' } })).toThrow(
      ConfigError,
    )
  })
})

describe('readConfigFile', () => {
  it('reads nested YAML into dotted paths', () => {
    const path = configFile('identity:\n  token_expiration: 120\n  name: ks\ndebug: true\n')
    const file = readConfigFile(path, spec())
    expect(Object.fromEntries(file)).toEqual({
      'identity.token_expiration': 120,
      'identity.name': 'ks',
      debug: true,
    })
    expect(resolveConfig(spec(), { file, filePath: path })['identity.token_expiration']).toBe(120)
  })

  it('reads JSON, which is YAML too', () => {
    const path = configFile('{"log_level": "debug", "hosts": ["h1", "h2"]}')
    expect(Object.fromEntries(readConfigFile(path, spec()))).toEqual({
      log_level: 'debug',
      hosts: ['h1', 'h2'],
    })
  })

  it('accepts dashes for underscores in keys', () => {
    const path = configFile('identity:\n  token-expiration: 90\nlog-level: warn\n')
    expect(Object.fromEntries(readConfigFile(path, spec()))).toEqual({
      'identity.token_expiration': 90,
      log_level: 'warn',
    })
  })

  it('reads an empty file as no settings', () => {
    expect(readConfigFile(configFile(''), spec()).size).toBe(0)
  })

  it('names an unknown setting and the file', () => {
    const path = configFile('identity:\n  token_lifetime: 5\n')
    expect(failure(() => readConfigFile(path, spec())).message).toBe(
      `config file ${path}: unknown setting 'identity.token_lifetime'`,
    )
  })

  it('says which file is not valid YAML', () => {
    const path = configFile('identity: [unclosed\n')
    expect(failure(() => readConfigFile(path, spec())).message).toMatch(
      new RegExp(`^config file ${path} is not valid YAML`),
    )
  })

  it('says which file it cannot read', () => {
    expect(failure(() => readConfigFile('/nonexistent/nimbus.yaml', spec())).message).toMatch(
      /^cannot read config file \/nonexistent\/nimbus.yaml/,
    )
  })
})
