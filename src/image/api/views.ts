/** @module image/api/views: images and members as Glance's v2 API shows them */
import { isoSeconds } from '../../core/clock/index.js'
import type { ImageMember } from '../service/members.js'
import type { Image } from '../service/images.js'

function time(text: string): string {
  return isoSeconds(Date.parse(text))
}

/** One image: extra properties at the top level beside the core attributes. */
export function imageView(image: Image): Record<string, unknown> {
  return {
    ...image.properties,
    id: image.id,
    name: image.name,
    status: image.status,
    visibility: image.visibility,
    protected: image.protected,
    os_hidden: image.osHidden,
    checksum: image.checksum,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
    owner: image.owner,
    size: image.size,
    virtual_size: image.virtualSize,
    min_ram: image.minRam,
    min_disk: image.minDisk,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    created_at: time(image.createdAt),
    updated_at: time(image.updatedAt),
    tags: image.tags,
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
    ...(image.store !== null ? { stores: image.store } : {}),
  }
}

/** One membership. */
export function memberView(member: ImageMember): Record<string, unknown> {
  return {
    image_id: member.imageId,
    member_id: member.memberId,
    status: member.status,
    created_at: time(member.createdAt),
    updated_at: time(member.updatedAt),
    schema: '/v2/schemas/member',
  }
}
