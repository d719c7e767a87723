/** @module block-storage/config: the block storage service's settings */
import type { ConfigSpec, ConfigValues } from '../core/config/index.js'
import { VOLUME_DRIVER_NAMES, type VolumeDriverName } from './driver/driver-registry.js'
import { VOLUME_FORMATS, type VolumeFormat } from './driver/volume-driver.js'

const UNLIMITED = -1

export const blockStorageConfigSpec: ConfigSpec = {
  'volume.driver': {
    kind: 'enum',
    default: 'file',
    values: VOLUME_DRIVER_NAMES,
    help: 'volume backend: file (qcow2/raw files in the data dir) or fake (memory, for tests)',
  },
  'volume.dir': {
    kind: 'string',
    default: '',
    help: 'folder of the file backend (default: <data-dir>/volumes)',
  },
  'volume.format': {
    kind: 'enum',
    default: 'qcow2',
    values: VOLUME_FORMATS,
    help: 'file format of the file backend (qcow2 gives copy-on-write snapshots)',
  },
  'volume.capacity_gb': {
    kind: 'int',
    default: 0,
    min: 0,
    help: 'GiB the backend offers (0: the size of its file system; the fake: 1000)',
  },
  'volume.availability_zone': {
    kind: 'string',
    default: 'nova',
    pattern: /^[A-Za-z0-9_.:-]{1,255}$/,
    help: 'availability zone of the volume agent',
  },
  'volume.default_type': {
    kind: 'string',
    default: '__DEFAULT__',
    help: 'volume type used when a request names none',
  },
  'volume.quota_volumes': { kind: 'int', default: 10, min: UNLIMITED, help: 'volumes per project' },
  'volume.quota_snapshots': {
    kind: 'int',
    default: 10,
    min: UNLIMITED,
    help: 'snapshots per project',
  },
  'volume.quota_gigabytes': {
    kind: 'int',
    default: 1000,
    min: UNLIMITED,
    help: 'GiB of volumes and snapshots per project',
  },
  'volume.service_down_s': {
    kind: 'int',
    default: 60,
    min: 1,
    help: 'seconds without a heartbeat after which the volume agent shows as down',
  },
}

/** Typed settings of the block storage service; -1 means unlimited. */
export interface BlockStorageConfig {
  driver: VolumeDriverName
  /** Empty: `<data-dir>/volumes`. */
  dir: string
  format: VolumeFormat
  capacityGb: number
  availabilityZone: string
  defaultType: string
  quotaVolumes: number
  quotaSnapshots: number
  quotaGigabytes: number
  serviceDownSeconds: number
}

/** Builds the frozen slice from resolved values. */
export function blockStorageConfigFrom(values: ConfigValues): Readonly<BlockStorageConfig> {
  return Object.freeze({
    driver: String(values['volume.driver'] ?? 'file') as VolumeDriverName,
    dir: String(values['volume.dir'] ?? ''),
    format: String(values['volume.format'] ?? 'qcow2') as VolumeFormat,
    capacityGb: Number(values['volume.capacity_gb'] ?? 0),
    availabilityZone: String(values['volume.availability_zone'] ?? 'nova'),
    defaultType: String(values['volume.default_type'] ?? '__DEFAULT__'),
    quotaVolumes: Number(values['volume.quota_volumes'] ?? 10),
    quotaSnapshots: Number(values['volume.quota_snapshots'] ?? 10),
    quotaGigabytes: Number(values['volume.quota_gigabytes'] ?? 1000),
    serviceDownSeconds: Number(values['volume.service_down_s'] ?? 60),
  })
}

/** The defaults, for tests that build the unit without a config file. */
export function defaultBlockStorageConfig(
  overrides: Partial<BlockStorageConfig> = {},
): Readonly<BlockStorageConfig> {
  return Object.freeze({ ...blockStorageConfigFrom({}), ...overrides })
}
