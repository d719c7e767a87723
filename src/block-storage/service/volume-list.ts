/** @module block-storage/service/volume-list: the volumes a caller sees, filtered, sorted and paged */
import { listVolumes, type Volume } from '../db/volumes-repo.js'
import type { BlockStorageContext, Caller } from './context.js'
import { page, parseMetadataFilter, type PageRequest } from './list-page.js'

/** The filters `GET /volumes` understands; others are ignored, as Cinder ignores them. */
export interface VolumeListQuery {
  name?: string
  status?: string
  metadata?: string
  availabilityZone?: string
  bootable?: string
  allTenants?: boolean
  projectId?: string
  page: PageRequest
}

const BOOL_TRUE = ['true', '1', 't', 'yes', 'y', 'on']

export async function listVisibleVolumes(
  ctx: BlockStorageContext,
  caller: Caller,
  q: VolumeListQuery,
): Promise<{ items: Volume[]; more: boolean; count: number }> {
  const scope =
    caller.isAdmin && q.allTenants
      ? (q.projectId ?? undefined)
      : caller.isAdmin && q.projectId
        ? q.projectId
        : caller.projectId
  let items = await listVolumes(ctx.db, scope)
  if (q.name !== undefined) items = items.filter((v) => v.name === q.name)
  if (q.status !== undefined) items = items.filter((v) => v.status === q.status)
  if (q.availabilityZone !== undefined)
    items = items.filter((v) => v.availabilityZone === q.availabilityZone)
  if (q.bootable !== undefined) {
    const want = BOOL_TRUE.includes(q.bootable.toLowerCase())
    items = items.filter((v) => v.bootable === want)
  }
  if (q.metadata !== undefined) {
    const want = parseMetadataFilter(q.metadata)
    items = items.filter((v) => Object.entries(want).every(([k, val]) => v.metadata[k] === val))
  }
  const count = items.length
  const result = page(items, q.page, volumeField)
  return { ...result, count }
}

function volumeField(v: Volume, key: string): unknown {
  switch (key) {
    case 'name':
      return v.name
    case 'created_at':
      return v.createdAt
    case 'updated_at':
      return v.updatedAt
    case 'size':
      return v.size
    case 'status':
      return v.status
    case 'availability_zone':
      return v.availabilityZone
    case 'bootable':
      return v.bootable
    case 'volume_type':
      return v.volumeTypeId
    default:
      return v.id
  }
}

export const VOLUME_SORT_KEYS = [
  'id',
  'name',
  'created_at',
  'updated_at',
  'size',
  'status',
  'availability_zone',
  'bootable',
  'volume_type',
] as const
