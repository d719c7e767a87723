/** @module object-storage/config: the object storage service's settings */
import type { ConfigSpec, ConfigValues } from '../core/config/index.js'

export const DISK_FILE_DRIVERS = ['file', 'memory'] as const
export type DiskFileDriver = (typeof DISK_FILE_DRIVERS)[number]

export const objectStorageConfigSpec: ConfigSpec = {
  'object_storage.disk_file': {
    kind: 'enum',
    default: 'file',
    values: DISK_FILE_DRIVERS,
    help: 'where object data lives: file (device folders in the data dir) or memory (tests)',
  },
  'object_storage.part_power': {
    kind: 'int',
    default: 10,
    min: 1,
    max: 20,
    help: 'the ring has 2^part_power partitions',
  },
  'object_storage.replicas': { kind: 'int', default: 3, min: 1, max: 6, help: 'copies kept' },
  'object_storage.devices': {
    kind: 'int',
    default: 4,
    min: 1,
    max: 64,
    help: 'device folders of the all-in-one ring',
  },
  'object_storage.reseller_prefix': {
    kind: 'string',
    default: 'AUTH_',
    pattern: /^[A-Za-z0-9_]*$/,
    help: 'prefix of account names (keystoneauth reseller_prefix)',
  },
  'object_storage.operator_roles': {
    kind: 'list',
    default: ['admin', 'member'],
    help: 'roles that own their project account (keystoneauth operator_roles)',
  },
  'object_storage.reseller_admin_role': {
    kind: 'string',
    default: 'ResellerAdmin',
    help: 'role that may act on any account',
  },
  'object_storage.max_file_size_mib': {
    kind: 'int',
    default: 5120,
    min: 1,
    help: 'largest single object, in MiB (Swift max_file_size)',
  },
  'object_storage.cors_allow_origin': {
    kind: 'list',
    default: [],
    help: "origins allowed cross-origin access to every container, besides each container's own list",
  },
  'object_storage.cors_expose_headers': {
    kind: 'list',
    default: [],
    help: 'response headers exposed to every allowed cross-origin caller',
  },
  'object_storage.max_archive_size_mib': {
    kind: 'int',
    default: 5120,
    min: 1,
    help: 'largest tar archive (uncompressed) that PUT ?extract-archive unpacks, in MiB',
  },
  'object_storage.max_archive_objects': {
    kind: 'int',
    default: 10000,
    min: 1,
    help: 'most files PUT ?extract-archive creates from one archive',
  },
  'object_storage.replicator_interval_s': {
    kind: 'int',
    default: 30,
    min: 1,
    help: 'seconds between replicator passes',
  },
  'object_storage.auditor_interval_s': {
    kind: 'int',
    default: 300,
    min: 1,
    help: 'seconds between auditor passes (each reads every object copy once)',
  },
  'object_storage.auditor_bytes_per_second': {
    kind: 'int',
    default: 50 * 1024 * 1024,
    min: 1,
    help: 'read rate the auditor keeps under, so it does not starve client traffic',
  },
  'object_storage.updater_interval_s': {
    kind: 'int',
    default: 10,
    min: 1,
    help: 'seconds between updater passes (container updates kept while a container replica was down)',
  },
  'object_storage.expirer_interval_s': {
    kind: 'int',
    default: 2,
    min: 1,
    help: 'seconds between expirer passes',
  },
}

/** Typed settings of the object storage service. */
export interface ObjectStorageConfig {
  diskFile: DiskFileDriver
  partPower: number
  replicas: number
  devices: number
  resellerPrefix: string
  operatorRoles: readonly string[]
  resellerAdminRole: string
  maxFileSize: number
  /** Origins allowed on every container (Swift's cors_allow_origin). */
  corsAllowOrigin: readonly string[]
  corsExposeHeaders: readonly string[]
  /** Bytes of uncompressed tar one extract-archive request may carry. */
  maxArchiveSize: number
  maxArchiveObjects: number
  replicatorIntervalMs: number
  expirerIntervalMs: number
  updaterIntervalMs: number
  auditorIntervalMs: number
  auditorBytesPerSecond: number
}

/** Builds the frozen slice from resolved values. */
export function objectStorageConfigFrom(values: ConfigValues): Readonly<ObjectStorageConfig> {
  const roles = (values['object_storage.operator_roles'] as readonly string[] | undefined) ?? [
    'admin',
    'member',
  ]
  return Object.freeze({
    diskFile: String(values['object_storage.disk_file'] ?? 'file') as DiskFileDriver,
    partPower: Number(values['object_storage.part_power'] ?? 10),
    replicas: Number(values['object_storage.replicas'] ?? 3),
    devices: Number(values['object_storage.devices'] ?? 4),
    resellerPrefix: String(values['object_storage.reseller_prefix'] ?? 'AUTH_'),
    operatorRoles: Object.freeze([...roles]),
    resellerAdminRole: String(values['object_storage.reseller_admin_role'] ?? 'ResellerAdmin'),
    maxFileSize: Number(values['object_storage.max_file_size_mib'] ?? 5120) * 1024 * 1024,
    corsAllowOrigin: Object.freeze([
      ...((values['object_storage.cors_allow_origin'] as readonly string[] | undefined) ?? []),
    ]),
    corsExposeHeaders: Object.freeze([
      ...((values['object_storage.cors_expose_headers'] as readonly string[] | undefined) ?? []),
    ]),
    maxArchiveSize: Number(values['object_storage.max_archive_size_mib'] ?? 5120) * 1024 * 1024,
    maxArchiveObjects: Number(values['object_storage.max_archive_objects'] ?? 10000),
    replicatorIntervalMs: Number(values['object_storage.replicator_interval_s'] ?? 30) * 1000,
    expirerIntervalMs: Number(values['object_storage.expirer_interval_s'] ?? 2) * 1000,
    updaterIntervalMs: Number(values['object_storage.updater_interval_s'] ?? 10) * 1000,
    auditorIntervalMs: Number(values['object_storage.auditor_interval_s'] ?? 300) * 1000,
    auditorBytesPerSecond: Number(
      values['object_storage.auditor_bytes_per_second'] ?? 50 * 1024 * 1024,
    ),
  })
}

/** The defaults, for tests. */
export function defaultObjectStorageConfig(
  overrides: Partial<ObjectStorageConfig> = {},
): Readonly<ObjectStorageConfig> {
  return Object.freeze({ ...objectStorageConfigFrom({}), ...overrides })
}
