/** @module compute/config: the compute service's settings */
import type { ConfigSpec, ConfigValues } from '../core/config/index.js'
import { COMPUTE_DRIVERS, type ComputeDriverName } from './virt/driver-names.js'

export const computeConfigSpec: ConfigSpec = {
  'compute.driver': {
    kind: 'enum',
    default: 'fake',
    values: COMPUTE_DRIVERS,
    help: 'compute driver of the hosts this process runs',
  },
  'compute.guest_images': {
    kind: 'bool',
    default: true,
    help: 'build the tiny guest and register it as public images at start (qemu, container)',
  },
  'compute.guest_image_cache': {
    kind: 'string',
    default: '',
    help: 'folder whose images/tiny keeps the built tiny guest (default: the data dir)',
  },
  'compute.hosts': {
    kind: 'int',
    default: 1,
    min: 0,
    max: 1000,
    help: 'compute hosts run in this process (several only with the fake driver)',
  },
  'compute.host_vcpus': { kind: 'int', default: 16, min: 1, max: 4096, help: 'fake host vCPUs' },
  'compute.host_memory_mb': {
    kind: 'int',
    default: 65536,
    min: 512,
    max: 1e8,
    help: 'fake host memory in MiB',
  },
  'compute.host_disk_gb': { kind: 'int', default: 1000, min: 1, max: 1e7, help: 'fake host disk' },
  'compute.build_attempts': {
    kind: 'int',
    default: 3,
    min: 1,
    max: 20,
    help: 'hosts a build is tried on before it fails (Nova: max_attempts)',
  },
  'compute.shelved_offload_time': {
    kind: 'int',
    default: 0,
    min: -1,
    max: 0,
    help: 'after a shelve: 0 offloads the server at once, -1 keeps it on its host',
  },
  'compute.vif_plugging_timeout': {
    kind: 'int',
    default: 300,
    min: 0,
    max: 3600,
    help: 'seconds a build waits for network-vif-plugged events (0: does not wait)',
  },
  'compute.vif_plugging_is_fatal': {
    kind: 'bool',
    default: true,
    help: 'whether a build fails when its network-vif-plugged events do not come in time',
  },
  force_config_drive: {
    kind: 'bool',
    default: false,
    help: 'give every new server a config drive, as config_drive: true does',
  },
  'compute.dhcp_domain': {
    kind: 'string',
    default: 'novalocal',
    pattern: /^[A-Za-z0-9.-]{0,253}$/,
    help: 'domain of the host names the metadata service and config drive give guests (empty: none)',
  },
  'compute.quota_instances': { kind: 'int', default: 10, min: -1, max: 1e9, help: 'per project' },
  'compute.quota_cores': { kind: 'int', default: 20, min: -1, max: 1e9, help: 'per project' },
  'compute.quota_ram': { kind: 'int', default: 51200, min: -1, max: 1e9, help: 'MiB per project' },
  'compute.quota_key_pairs': { kind: 'int', default: 100, min: -1, max: 1e9, help: 'per user' },
  'compute.quota_server_groups': {
    kind: 'int',
    default: 10,
    min: -1,
    max: 1e9,
    help: 'per project',
  },
  'compute.quota_server_group_members': {
    kind: 'int',
    default: 10,
    min: -1,
    max: 1e9,
    help: 'servers per server group',
  },
  'compute.quota_metadata_items': {
    kind: 'int',
    default: 128,
    min: -1,
    max: 1e9,
    help: 'per server',
  },
}

export const COMPUTE_QUOTAS = [
  'instances',
  'cores',
  'ram',
  'key_pairs',
  'server_groups',
  'server_group_members',
  'metadata_items',
] as const
export type ComputeQuota = (typeof COMPUTE_QUOTAS)[number]

/** Typed settings of the compute service. */
export interface ComputeConfig {
  driver: ComputeDriverName
  /** Whether the start builds and registers the driver's built-in guest images. */
  guestImages: boolean
  /** Folder whose `images/tiny` keeps the built guest; empty: the data dir. */
  guestImageCache: string
  hosts: number
  hostVcpus: number
  hostMemoryMb: number
  hostDiskGb: number
  buildAttempts: number
  /** 0: a shelved server is offloaded at once; -1: never. */
  shelvedOffloadTime: number
  /** Seconds a build waits for its ports' network-vif-plugged events; 0 does not wait. */
  vifPluggingTimeout: number
  /** Whether a build whose events do not come in time fails (else it goes on). */
  vifPluggingIsFatal: boolean
  quotas: Readonly<Record<ComputeQuota, number>>
  /** Every new server gets a config drive. */
  forceConfigDrive: boolean
  /** Appended to guests' host names in their metadata (Nova's dhcp_domain); empty for none. */
  dhcpDomain: string
}

/** Builds the frozen slice from resolved values. */
export function computeConfigFrom(values: ConfigValues): Readonly<ComputeConfig> {
  const int = (key: string) => Number(values[key])
  const quota = (name: ComputeQuota) => int(`compute.quota_${name}`)
  return Object.freeze({
    driver: String(values['compute.driver']) as ComputeDriverName,
    guestImages: values['compute.guest_images'] === true,
    guestImageCache: String(values['compute.guest_image_cache'] ?? ''),
    hosts: int('compute.hosts'),
    hostVcpus: int('compute.host_vcpus'),
    hostMemoryMb: int('compute.host_memory_mb'),
    hostDiskGb: int('compute.host_disk_gb'),
    buildAttempts: int('compute.build_attempts'),
    shelvedOffloadTime: int('compute.shelved_offload_time'),
    vifPluggingTimeout: int('compute.vif_plugging_timeout'),
    vifPluggingIsFatal: values['compute.vif_plugging_is_fatal'] === true,
    forceConfigDrive: values['force_config_drive'] === true,
    dhcpDomain: String(values['compute.dhcp_domain'] ?? 'novalocal'),
    quotas: Object.freeze(
      Object.fromEntries(COMPUTE_QUOTAS.map((q) => [q, quota(q)])) as Record<ComputeQuota, number>,
    ),
  })
}
