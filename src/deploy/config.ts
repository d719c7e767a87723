/** @module deploy/config: every setting of a Nimbus process, resolved once at start */
import { homedir } from 'node:os'
import { join } from 'node:path'
import {
  resolveConfig,
  readConfigFile,
  type ConfigSpec,
  type ConfigValues,
} from '../core/config/index.js'
import { computeConfigFrom, computeConfigSpec, type ComputeConfig } from '../compute/config.js'
import { identityConfigFrom, identityConfigSpec, type IdentityConfig } from '../identity/config.js'
import { networkConfigFrom, networkConfigSpec, type NetworkConfig } from '../network/config.js'
import { imageConfigFrom, imageConfigSpec, type ImageConfig } from '../image/config.js'
import {
  objectStorageConfigFrom,
  objectStorageConfigSpec,
  type ObjectStorageConfig,
} from '../object-storage/config.js'

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const

/** Settings of the process itself. */
export const coreConfigSpec: ConfigSpec = {
  data_dir: {
    kind: 'string',
    default: join(homedir(), '.local', 'share', 'nimbus'),
    help: 'where state, keys and logs live',
  },
  host: {
    kind: 'string',
    default: '127.0.0.1',
    pattern: /^[A-Za-z0-9.:_-]+$/,
    help: 'address the API listener binds',
  },
  port: { kind: 'int', default: 5000, min: 0, max: 65535, help: 'port of the API listener' },
  public_host: {
    kind: 'string',
    default: '',
    pattern: /^[A-Za-z0-9.:_\[\]-]*$/,
    help: 'host name clients use in URLs (default: host, or 127.0.0.1 for 0.0.0.0)',
  },
  admin_password: {
    kind: 'string',
    default: '',
    help: 'password of the admin user (generated and kept in the data dir if empty)',
  },
  region: {
    kind: 'string',
    default: 'RegionOne',
    pattern: /^[A-Za-z0-9_.-]{1,255}$/,
    help: 'region endpoints are registered in',
  },
  database: {
    kind: 'string',
    default: 'sqlite://',
    pattern: /^(sqlite:|mysql:|mariadb:|postgres(ql)?:)/,
    help: 'sqlite://, mysql://user:pw@host/name or postgresql://user:pw@host/name',
  },
  log_level: { kind: 'enum', default: 'info', values: LOG_LEVELS, help: 'level of the log file' },
  policy_file: { kind: 'string', default: '', help: 'YAML file of policy rule overrides' },
}

export const nimbusConfigSpec: ConfigSpec = {
  ...coreConfigSpec,
  ...identityConfigSpec,
  ...imageConfigSpec,
  ...networkConfigSpec,
  ...objectStorageConfigSpec,
  ...computeConfigSpec,
}

/** The typed, frozen configuration of a process. */
export interface NimbusConfig {
  dataDir: string
  host: string
  port: number
  publicHost: string
  adminPassword: string
  region: string
  database: string
  logLevel: string
  policyFile: string
  identity: Readonly<IdentityConfig>
  image: Readonly<ImageConfig>
  network: Readonly<NetworkConfig>
  objectStorage: Readonly<ObjectStorageConfig>
  compute: Readonly<ComputeConfig>
}

function typed(values: ConfigValues): Readonly<NimbusConfig> {
  const host = String(values['host'])
  const publicHost =
    String(values['public_host']) || (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)
  return Object.freeze({
    dataDir: String(values['data_dir']),
    host,
    port: Number(values['port']),
    publicHost,
    adminPassword: String(values['admin_password']),
    region: String(values['region']),
    database: String(values['database']),
    logLevel: String(values['log_level']),
    policyFile: String(values['policy_file']),
    identity: identityConfigFrom(values),
    image: imageConfigFrom(values),
    network: networkConfigFrom(values),
    objectStorage: objectStorageConfigFrom(values),
    compute: computeConfigFrom(values),
  })
}

/** Loads defaults, then `configFile`, then `NIMBUS_*` variables, then flags. Throws ConfigError. */
export function loadNimbusConfig(options: {
  configFile?: string
  env: Record<string, string | undefined>
  flags: Map<string, string>
}): Readonly<NimbusConfig> {
  const file = options.configFile ? readConfigFile(options.configFile, nimbusConfigSpec) : undefined
  return typed(
    resolveConfig(nimbusConfigSpec, {
      ...(file ? { file, filePath: options.configFile as string } : {}),
      env: options.env,
      flags: options.flags,
    }),
  )
}
