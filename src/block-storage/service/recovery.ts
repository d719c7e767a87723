/** @module block-storage/service/recovery: no volume or snapshot stays in a transitional state after a restart */
import { listSnapshots, updateSnapshot } from '../db/snapshots-repo.js'
import { getVolume, listVolumesInStatus, updateVolume } from '../db/volumes-repo.js'
import { agentHostOf } from './backends.js'
import { timestamp, type BlockStorageContext } from './context.js'
import { recoverGroups } from './group-recovery.js'
import { recordFailure } from './messages.js'
import { destroySnapshot } from './snapshots.js'
import { destroyVolume } from './volumes.js'

const RECOVERY = { requestId: 'req-recovery' }

/**
 * Resolves what the previous process left in flight: creations fail with a reason (their
 * partial data is gone with the backend's own cleanup), deletions resume (they are idempotent),
 * extends and uploads fall back to where they started.
 */
export async function recoverInterrupted(ctx: BlockStorageContext): Promise<void> {
  const now = timestamp(ctx)
  const interrupted = 'The service restarted while this operation was in progress.'
  for (const v of await listVolumesInStatus(ctx.db, ['creating'])) {
    await updateVolume(ctx.db, v.id, { status: 'error', updatedAt: now }, ['creating'])
    // The backend may have finished (or half-finished) it: its data goes, the record stays.
    const host = v.host
    if (host)
      ctx.background.run(`clean up interrupted volume ${v.id}`, () =>
        ctx.agents.deleteVolume(agentHostOf(host), v.id),
      )
    await recordFailure(ctx, {
      projectId: v.projectId,
      requestId: RECOVERY.requestId,
      resourceType: 'VOLUME',
      resourceId: v.id,
      event: 'interrupted',
      message: `Creating the volume did not finish: ${interrupted}`,
    })
  }
  for (const v of await listVolumesInStatus(ctx.db, ['extending'])) {
    await updateVolume(ctx.db, v.id, { status: 'error_extending', updatedAt: now }, ['extending'])
    await recordFailure(ctx, {
      projectId: v.projectId,
      requestId: RECOVERY.requestId,
      resourceType: 'VOLUME',
      resourceId: v.id,
      event: 'interrupted',
      message: `Extending the volume did not finish: ${interrupted}`,
    })
  }
  for (const v of await listVolumesInStatus(ctx.db, [
    'uploading',
    'attaching',
    'detaching',
    'retyping',
  ])) {
    const back = v.attachStatus === 'attached' ? 'in-use' : 'available'
    await updateVolume(ctx.db, v.id, { status: back, updatedAt: now }, [v.status])
  }
  for (const s of await listSnapshots(ctx.db, { statuses: ['creating'] })) {
    await updateSnapshot(ctx.db, s.id, { status: 'error', updatedAt: now }, ['creating'])
    await recordFailure(ctx, {
      projectId: s.projectId,
      requestId: RECOVERY.requestId,
      resourceType: 'VOLUME_SNAPSHOT',
      resourceId: s.id,
      event: 'interrupted',
      message: `Creating the snapshot did not finish: ${interrupted}`,
    })
  }
  for (const s of await listSnapshots(ctx.db, { statuses: ['deleting'] })) {
    ctx.background.run(`resume deleting snapshot ${s.id}`, () => destroySnapshot(ctx, RECOVERY, s))
  }
  for (const v of await listVolumesInStatus(ctx.db, ['deleting'])) {
    const snaps = (await listSnapshots(ctx.db, { volumeId: v.id })).map((s) => s.id)
    ctx.background.run(`resume deleting volume ${v.id}`, async () => {
      const fresh = await getVolume(ctx.db, v.id)
      if (fresh) await destroyVolume(ctx, RECOVERY, fresh, snaps)
    })
  }
  await recoverGroups(ctx)
}
