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
  hosts: number
  hostVcpus: number
  hostMemoryMb: number
  hostDiskGb: number
  buildAttempts: number
  quotas: Readonly<Record<ComputeQuota, number>>
}

/** Builds the frozen slice from resolved values. */
export function computeConfigFrom(values: ConfigValues): Readonly<ComputeConfig> {
  const int = (key: string) => Number(values[key])
  const quota = (name: ComputeQuota) => int(`compute.quota_${name}`)
  return Object.freeze({
    driver: String(values['compute.driver']) as ComputeDriverName,
    hosts: int('compute.hosts'),
    hostVcpus: int('compute.host_vcpus'),
    hostMemoryMb: int('compute.host_memory_mb'),
    hostDiskGb: int('compute.host_disk_gb'),
    buildAttempts: int('compute.build_attempts'),
    quotas: Object.freeze(
      Object.fromEntries(COMPUTE_QUOTAS.map((q) => [q, quota(q)])) as Record<ComputeQuota, number>,
    ),
  })
}
