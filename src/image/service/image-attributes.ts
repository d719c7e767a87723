/** @module image/service/image-attributes: Glance's formats, visibilities and attribute rules */

export const DISK_FORMATS = [
  'ami',
  'ari',
  'aki',
  'vhd',
  'vhdx',
  'vmdk',
  'raw',
  'qcow2',
  'vdi',
  'iso',
  'ploop',
] as const
export const CONTAINER_FORMATS = [
  'ami',
  'ari',
  'aki',
  'bare',
  'ovf',
  'ova',
  'docker',
  'compressed',
] as const
export const VISIBILITIES = ['public', 'private', 'shared', 'community'] as const
export type Visibility = (typeof VISIBILITIES)[number]
export const IMAGE_STATUSES = [
  'queued',
  'saving',
  'uploading',
  'importing',
  'active',
  'killed',
  'deactivated',
  'deleted',
  'pending_delete',
] as const
export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const

export function isVisibility(value: unknown): value is Visibility {
  return typeof value === 'string' && (VISIBILITIES as readonly string[]).includes(value)
}

/** Attributes the server maintains; a client setting one gets 403. */
export const READ_ONLY_ATTRIBUTES = new Set([
  'status',
  'size',
  'virtual_size',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'created_at',
  'updated_at',
  'self',
  'file',
  'schema',
  'direct_url',
  'locations',
  'stores',
])

/** Attributes reserved for the server; a client setting one gets 403. */
export const RESERVED_ATTRIBUTES = new Set(['deleted', 'deleted_at', 'location'])

/** Whether an extra property name is reserved (Glance keeps `os_glance_*` to itself). */
export function isReservedProperty(name: string): boolean {
  return RESERVED_ATTRIBUTES.has(name) || name.startsWith('os_glance')
}

/** Core attributes a client may set, with the domain field each maps to. */
export const WRITABLE_ATTRIBUTES = {
  name: 'name',
  visibility: 'visibility',
  protected: 'protected',
  os_hidden: 'osHidden',
  min_disk: 'minDisk',
  min_ram: 'minRam',
  disk_format: 'diskFormat',
  container_format: 'containerFormat',
  owner: 'owner',
  tags: 'tags',
} as const
export type WritableAttribute = keyof typeof WRITABLE_ATTRIBUTES

export function isWritableAttribute(name: string): name is WritableAttribute {
  return Object.hasOwn(WRITABLE_ATTRIBUTES, name)
}

export const MAX_PROPERTY_KEY = 255
export const MAX_PROPERTY_VALUE = 65_535
export const MAX_TAG = 255
