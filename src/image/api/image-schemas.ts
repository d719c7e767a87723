/** @module image/api/image-schemas: the JSON schema documents of /v2/schemas, for clients that read them */
import {
  CONTAINER_FORMATS,
  DISK_FORMATS,
  IMAGE_STATUSES,
  MEMBER_STATUSES,
  VISIBILITIES,
} from '../service/image-attributes.js'

const readOnly = { readOnly: true }
const nullableString = (description: string, maxLength = 255) => ({
  type: ['null', 'string'],
  maxLength,
  description,
})
const hex = (description: string, maxLength: number) => ({
  ...readOnly,
  type: ['null', 'string'],
  maxLength,
  description,
})
const time = (description: string) => ({ ...readOnly, type: 'string', description })
const uuidOrNull = (description: string) => ({
  type: ['null', 'string'],
  pattern:
    '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
  description,
})

/** `GET /v2/schemas/image`. */
export function imageSchema(): Record<string, unknown> {
  return {
    name: 'image',
    additionalProperties: { type: 'string' },
    properties: {
      id: {
        type: 'string',
        pattern:
          '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
        description: 'Identifier of the image, a UUID',
      },
      name: nullableString('Name shown to people'),
      status: {
        ...readOnly,
        type: 'string',
        enum: IMAGE_STATUSES,
        description: 'Where the image is in its life cycle',
      },
      visibility: {
        type: 'string',
        enum: VISIBILITIES,
        description: 'Who may see and use the image',
      },
      protected: { type: 'boolean', description: 'When true, the image cannot be deleted' },
      os_hidden: {
        type: 'boolean',
        description: 'When true, the image is left out of lists unless os_hidden=true is asked',
      },
      checksum: hex('MD5 of the image data', 32),
      os_hash_algo: hex('Algorithm of os_hash_value', 64),
      os_hash_value: hex('Secure hash of the image data', 128),
      owner: nullableString('Project that owns the image'),
      size: { ...readOnly, type: ['null', 'integer'], description: 'Bytes of image data' },
      virtual_size: {
        ...readOnly,
        type: ['null', 'integer'],
        description: 'Size of the disk the image holds, in bytes',
      },
      container_format: {
        type: ['null', 'string'],
        enum: [null, ...CONTAINER_FORMATS],
        description: 'How the disk is wrapped',
      },
      disk_format: {
        type: ['null', 'string'],
        enum: [null, ...DISK_FORMATS],
        description: 'Format of the disk',
      },
      min_ram: { type: 'integer', description: 'MiB of RAM needed to boot the image' },
      min_disk: { type: 'integer', description: 'GiB of disk needed to boot the image' },
      created_at: time('When the image was created'),
      updated_at: time('When the image was last changed'),
      tags: {
        type: 'array',
        items: { type: 'string', maxLength: 255 },
        description: 'Strings attached to the image',
      },
      direct_url: { ...readOnly, type: 'string', description: 'Where the data is stored' },
      locations: {
        type: 'array',
        items: { type: 'object' },
        description: 'Locations of the image data',
      },
      self: { ...readOnly, type: 'string', description: 'Path of this image' },
      file: { ...readOnly, type: 'string', description: 'Path of the image data' },
      schema: { ...readOnly, type: 'string', description: 'Path of this schema' },
      stores: { ...readOnly, type: 'string', description: 'Stores holding the data' },
      kernel_id: uuidOrNull('Image of the kernel for AMI-style images'),
      ramdisk_id: uuidOrNull('Image of the ramdisk for AMI-style images'),
      instance_uuid: nullableString('Server this image is a snapshot of'),
      architecture: nullableString('CPU architecture the image needs'),
      os_distro: nullableString('Operating system distribution, in lower case'),
      os_version: nullableString('Operating system version'),
    },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  }
}

/** `GET /v2/schemas/images`. */
export function imagesSchema(): Record<string, unknown> {
  return {
    name: 'images',
    properties: {
      images: { type: 'array', items: imageSchema() },
      schema: { type: 'string' },
      first: { type: 'string' },
      next: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  }
}

/** `GET /v2/schemas/member`. */
export function memberSchema(): Record<string, unknown> {
  return {
    name: 'member',
    properties: {
      image_id: { type: 'string', description: 'Image shared' },
      member_id: { type: 'string', description: 'Project the image is shared with' },
      status: {
        type: 'string',
        enum: MEMBER_STATUSES,
        description: "The member's answer to the share",
      },
      created_at: { type: 'string', description: 'When the share was made' },
      updated_at: { type: 'string', description: 'When the share last changed' },
      schema: { ...readOnly, type: 'string' },
    },
  }
}

/** `GET /v2/schemas/members`. */
export function membersSchema(): Record<string, unknown> {
  return {
    name: 'members',
    properties: {
      members: { type: 'array', items: memberSchema() },
      schema: { type: 'string' },
    },
    links: [{ rel: 'schema', href: '{schema}' }],
  }
}
