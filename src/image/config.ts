/** @module image/config: the image service's settings */
import type { ConfigSpec, ConfigValues } from '../core/config/index.js'
import { IMAGE_STORE_DRIVERS, type ImageStoreDriver } from './store/store-registry.js'

const UNLIMITED = -1

export const imageConfigSpec: ConfigSpec = {
  'image.store': {
    kind: 'enum',
    default: 'file',
    values: IMAGE_STORE_DRIVERS,
    help: 'where image data lives: file (the data dir) or fake (memory, for tests)',
  },
  'image.file_store_dir': {
    kind: 'string',
    default: '',
    help: 'folder of the file store (default: <data-dir>/images)',
  },
  'image.default_images_dir': {
    kind: 'string',
    default: '',
    help: 'folder whose image files are registered as public images (default: <data-dir>/default-images)',
  },
  'image.quota_images': {
    kind: 'int',
    default: UNLIMITED,
    min: UNLIMITED,
    help: 'images a project may own (-1: unlimited)',
  },
  'image.quota_total_size_mib': {
    kind: 'int',
    default: UNLIMITED,
    min: UNLIMITED,
    help: 'MiB of image data a project may store (-1: unlimited)',
  },
  'image.max_image_size_mib': {
    kind: 'int',
    default: 1024 * 1024,
    min: 1,
    help: 'largest image accepted, in MiB (Glance image_size_cap)',
  },
  'image.property_quota': {
    kind: 'int',
    default: 128,
    min: UNLIMITED,
    help: 'additional properties per image (-1: unlimited)',
  },
  'image.tag_quota': {
    kind: 'int',
    default: 128,
    min: UNLIMITED,
    help: 'tags per image (-1: unlimited)',
  },
  'image.member_quota': {
    kind: 'int',
    default: 128,
    min: UNLIMITED,
    help: 'members per image (-1: unlimited)',
  },
  'image.limit_default': {
    kind: 'int',
    default: 25,
    min: 1,
    max: 10_000,
    help: 'page size of image lists when the request names none',
  },
  'image.limit_max': {
    kind: 'int',
    default: 1000,
    min: 1,
    max: 100_000,
    help: 'largest page size of image lists',
  },
  'image.web_download_hosts': {
    kind: 'list',
    default: [],
    help: 'hosts web-download import may fetch from (empty: web-download refused)',
  },
}

/** Typed settings of the image service; -1 means unlimited. */
export interface ImageConfig {
  store: ImageStoreDriver
  /** Empty: `<data-dir>/images`. */
  fileStoreDir: string
  /** Empty: `<data-dir>/default-images`. */
  defaultImagesDir: string
  quotaImages: number
  quotaTotalBytes: number
  maxImageBytes: number
  propertyQuota: number
  tagQuota: number
  memberQuota: number
  limitDefault: number
  limitMax: number
  webDownloadHosts: readonly string[]
}

const MIB = 1024 * 1024

function bytes(mib: number): number {
  return mib === UNLIMITED ? UNLIMITED : mib * MIB
}

/** Builds the frozen slice from resolved values. */
export function imageConfigFrom(values: ConfigValues): Readonly<ImageConfig> {
  return Object.freeze({
    store: String(values['image.store'] ?? 'file') as ImageStoreDriver,
    fileStoreDir: String(values['image.file_store_dir'] ?? ''),
    defaultImagesDir: String(values['image.default_images_dir'] ?? ''),
    quotaImages: Number(values['image.quota_images'] ?? UNLIMITED),
    quotaTotalBytes: bytes(Number(values['image.quota_total_size_mib'] ?? UNLIMITED)),
    maxImageBytes: bytes(Number(values['image.max_image_size_mib'] ?? 1024 * 1024)),
    propertyQuota: Number(values['image.property_quota'] ?? 128),
    tagQuota: Number(values['image.tag_quota'] ?? 128),
    memberQuota: Number(values['image.member_quota'] ?? 128),
    limitDefault: Number(values['image.limit_default'] ?? 25),
    limitMax: Number(values['image.limit_max'] ?? 1000),
    webDownloadHosts: Object.freeze([
      ...((values['image.web_download_hosts'] as readonly string[] | undefined) ?? []),
    ]),
  })
}

/** The defaults, for tests and tools that build the unit without a config file. */
export function defaultImageConfig(overrides: Partial<ImageConfig> = {}): Readonly<ImageConfig> {
  return Object.freeze({ ...imageConfigFrom({}), ...overrides })
}
