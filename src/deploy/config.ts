/** @module deploy/config: every setting of a Nimbus process, resolved once at start */
import { homedir, hostname } from 'node:os'
import { join } from 'node:path'
import {
  envName,
  resolveConfig,
  readConfigFile,
  type ConfigSpec,
  type ConfigValues,
} from '../core/config/index.js'
import {
  blockStorageConfigFrom,
  blockStorageConfigSpec,
  type BlockStorageConfig,
} from '../block-storage/config.js'
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

/** Node roles: which units a process runs (ARCHITECTURE.md, processes and node roles). */
export const NODE_ROLES = ['all', 'controller', 'compute', 'network', 'storage'] as const
/** A node role. */
export type NodeRole = (typeof NODE_ROLES)[number]

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
  transport_url: {
    kind: 'string',
    default: 'memory://',
    pattern: /^(memory|rabbit|amqp):/,
    help: 'message bus: memory:// (in process) or rabbit://user:password@host:5672/vhost',
  },
  control_exchange: {
    kind: 'string',
    default: 'nimbus',
    pattern: /^[A-Za-z0-9_.-]{1,100}$/,
    help: 'AMQP exchange of this cloud; another name also prefixes its queues (clouds sharing a vhost)',
  },
  role: {
    kind: 'enum',
    default: 'all',
    values: NODE_ROLES,
    help: 'units this process runs: all, controller (all but compute agents), compute',
  },
  host_name: {
    kind: 'string',
    default: '',
    pattern: /^[A-Za-z0-9_.-]{0,255}$/,
    help: 'host name this node registers its agents under (default: the machine name)',
  },
  controller_url: {
    kind: 'string',
    default: '',
    pattern: /^(https?:\/\/.+)?$/,
    help: 'compute role: base URL of the controller API listener, e.g. http://controller:5000',
  },
  service_password: {
    kind: 'string',
    default: '',
    help: 'compute role: password of the nova service user (identity/service-users.json on the controller)',
  },
  metadata_host: {
    kind: 'string',
    default: '',
    pattern: /^[A-Za-z0-9.:_-]*$/,
    help: 'address the compute metadata API binds (default: host)',
  },
  metadata_port: {
    kind: 'int',
    default: 8775,
    min: 0,
    max: 65535,
    help: 'port of the compute metadata API the network metadata proxy forwards to (0: none)',
  },
  metadata_secret: {
    kind: 'string',
    default: '',
    help: 'secret the metadata proxy signs X-Instance-ID with (generated into the data dir if empty)',
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
  ...blockStorageConfigSpec,
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
  transportUrl: string
  controlExchange: string
  role: NodeRole
  /** This node's host name (the machine name unless set). */
  hostName: string
  controllerUrl: string
  servicePassword: string
  logLevel: string
  policyFile: string
  /**
   * The compute metadata API (Nova's, on its own listener) and the secret shared with the network
   * metadata proxy (Neutron's metadata_proxy_shared_secret). The all-in-one fills an empty
   * secret from `<dataDir>/metadata-secret` before any unit starts.
   */
  metadata: Readonly<{ host: string; port: number; secret: string }>
  identity: Readonly<IdentityConfig>
  image: Readonly<ImageConfig>
  network: Readonly<NetworkConfig>
  objectStorage: Readonly<ObjectStorageConfig>
  compute: Readonly<ComputeConfig>
  blockStorage: Readonly<BlockStorageConfig>
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
    transportUrl: String(values['transport_url']),
    controlExchange: String(values['control_exchange']),
    role: String(values['role']) as NodeRole,
    hostName: String(values['host_name']) || hostname(),
    controllerUrl: String(values['controller_url']).replace(/\/+$/, ''),
    servicePassword: String(values['service_password']),
    logLevel: String(values['log_level']),
    policyFile: String(values['policy_file']),
    metadata: Object.freeze({
      host: String(values['metadata_host']) || host,
      port: Number(values['metadata_port']),
      secret: String(values['metadata_secret']),
    }),
    identity: identityConfigFrom(values),
    image: imageConfigFrom(values),
    network: networkConfigFrom(values),
    objectStorage: objectStorageConfigFrom(values),
    compute: computeConfigFrom(values),
    blockStorage: blockStorageConfigFrom(values),
  })
}

/** Loads defaults, then `configFile`, then `NIMBUS_*` variables, then flags. Throws ConfigError. */
export function loadNimbusConfig(options: {
  configFile?: string
  env: Record<string, string | undefined>
  flags: Map<string, string>
}): Readonly<NimbusConfig> {
  const file = options.configFile ? readConfigFile(options.configFile, nimbusConfigSpec) : undefined
  const values = resolveConfig(nimbusConfigSpec, {
    ...(file ? { file, filePath: options.configFile as string } : {}),
    env: options.env,
    flags: options.flags,
  })
  const hostsGiven =
    options.flags.has('compute.hosts') ||
    options.env[envName('compute.hosts')] !== undefined ||
    file?.get('compute.hosts') !== undefined
  // A controller runs no compute agent unless asked to: compute nodes join over the bus.
  if (values['role'] === 'controller' && !hostsGiven) values['compute.hosts'] = 0
  return typed(values)
}
