/** @module block-storage/service/group-recovery: no group or group snapshot stays in a transitional state after a restart */
import {
  listGroupSnapshots,
  listGroups,
  updateGroup,
  updateGroupSnapshot,
} from '../db/groups-repo.js'
import { timestamp, type BlockStorageContext } from './context.js'
import { groupVolumes } from './groups.js'

/**
 * Settles what the previous process left in flight, after volumes and snapshots were settled:
 * a group being made is available when its volumes are, an error otherwise; deletes end in
 * `error_deleting` so the owner can delete again (member volumes and snapshots already resume).
 */
export async function recoverGroups(ctx: BlockStorageContext): Promise<void> {
  const now = timestamp(ctx)
  for (const g of await listGroups(ctx.db)) {
    if (g.status === 'creating') {
      const ok = (await groupVolumes(ctx, g)).every((v) => v.status === 'available')
      await updateGroup(ctx.db, g.id, { status: ok ? 'available' : 'error', updatedAt: now }, [
        'creating',
      ])
    } else if (g.status === 'updating') {
      await updateGroup(ctx.db, g.id, { status: 'available', updatedAt: now }, ['updating'])
    } else if (g.status === 'deleting') {
      await updateGroup(ctx.db, g.id, { status: 'error_deleting', updatedAt: now }, ['deleting'])
    }
  }
  for (const s of await listGroupSnapshots(ctx.db)) {
    if (s.status === 'creating')
      await updateGroupSnapshot(ctx.db, s.id, { status: 'error', updatedAt: now }, ['creating'])
    else if (s.status === 'deleting')
      await updateGroupSnapshot(ctx.db, s.id, { status: 'error_deleting', updatedAt: now }, [
        'deleting',
      ])
  }
}
