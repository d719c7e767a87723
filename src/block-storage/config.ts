/** @module block-storage/config: the block storage service's settings */
import type { ConfigSpec, ConfigValues } from '../core/config/index.js'
import { VOLUME_DRIVER_NAMES, type VolumeDriverName } from './driver/driver-registry.js'
import { VOLUME_EXPORT_MODES, type VolumeExportMode } from './driver/file/nbd-exports.js'
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
  'volume.export': {
    kind: 'enum',
    default: 'auto',
    values: VOLUME_EXPORT_MODES,
    help: 'how the file backend gives a volume to a compute host: auto (the file to its own host, an NBD export to any other) or nbd (an NBD export to every host)',
  },
  'volume.nbd_address': {
    kind: 'string',
    default: '',
    pattern: /^[0-9A-Fa-f.:]*$/,
    help: 'address NBD exports listen on (default: network.tunnel_ip, else the first global IPv4 address of the host, else 127.0.0.1)',
  },
  'volume.nbd_port_min': {
    kind: 'int',
    default: 10809,
    min: 1,
    max: 65535,
    help: 'first TCP port of NBD exports (one per exported volume)',
  },
  'volume.nbd_port_max': {
    kind: 'int',
    default: 10999,
    min: 1,
    max: 65535,
    help: 'last TCP port of NBD exports',
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
  /** When the file backend exports a volume over NBD rather than giving its path. */
  export: VolumeExportMode
  /** Empty: the network's tunnel address, else the host's first global IPv4 address. */
  nbdAddress: string
  nbdPortMin: number
  nbdPortMax: number
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
    export: String(values['volume.export'] ?? 'auto') as VolumeExportMode,
    nbdAddress: String(values['volume.nbd_address'] ?? ''),
    nbdPortMin: Number(values['volume.nbd_port_min'] ?? 10809),
    nbdPortMax: Number(values['volume.nbd_port_max'] ?? 10999),
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
