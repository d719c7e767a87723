/** @module block-storage/api/group-views: group types, groups and group snapshots on the wire */
import type { RouteInput } from '../../core/http/index.js'
import type { GroupSnapshot } from '../service/group-snapshots.js'
import type { GroupType } from '../service/group-types.js'
import type { VolumeGroup } from '../service/groups.js'
import { atLeast, microTime } from './route-kit.js'

/** A group type; its specs only for admins, as Cinder's `access_group_types_specs` default. */
export function groupTypeView(t: GroupType, isAdmin: boolean) {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    is_public: t.isPublic,
    ...(isAdmin ? { group_specs: t.groupSpecs } : {}),
  }
}

export function groupSummaryView(g: { id: string; name: string | null }) {
  return { id: g.id, name: g.name }
}

export function groupView(input: RouteInput, g: VolumeGroup, volumeIds?: string[]) {
  const view: Record<string, unknown> = {
    id: g.id,
    status: g.status,
    availability_zone: g.availabilityZone,
    created_at: microTime(g.createdAt),
    name: g.name,
    description: g.description,
    group_type: g.groupTypeId,
    volume_types: g.volumeTypeIds,
  }
  if (atLeast(input, '3.14')) {
    view['group_snapshot_id'] = g.groupSnapshotId
    view['source_group_id'] = g.sourceGroupId
  }
  if (atLeast(input, '3.38')) view['replication_status'] = 'disabled'
  if (volumeIds !== undefined) view['volumes'] = volumeIds
  return view
}

export function groupSnapshotView(s: GroupSnapshot) {
  return {
    id: s.id,
    group_id: s.groupId,
    status: s.status,
    created_at: microTime(s.createdAt),
    name: s.name,
    description: s.description,
    group_type_id: s.groupTypeId,
  }
}
