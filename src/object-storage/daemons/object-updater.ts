/** @module object-storage/daemons/object-updater: retries container updates saved as async pending */
import { mergeIntoContainers } from '../proxy/container-updates.js'
import type { ProxyContext } from '../proxy/context.js'
import { pendingUpdates, removePendingUpdate } from '../storage/async-pending.js'

/** What one updater pass did. */
export interface UpdaterReport {
  /** Updates found on the live devices. */
  found: number
  /** Updates every container replica now has (their files removed). */
  applied: number
  /** Updates kept for the next pass (a container replica still down or failing). */
  kept: number
  /** Files that were not updates, removed. */
  invalid: number
}

/** One pass over every live device's async pending updates (Swift's object-updater). */
export async function updateObjects(ctx: ProxyContext): Promise<UpdaterReport> {
  const report: UpdaterReport = { found: 0, applied: 0, kept: 0, invalid: 0 }
  const bad: string[] = []
  for (const device of ctx.cluster.ring.devices) {
    if (!ctx.cluster.store(device.id)) continue
    for await (const { file, update } of pendingUpdates(device.path, (f) => bad.push(f))) {
      report.found += 1
      if (mergeIntoContainers(ctx, update)) {
        await removePendingUpdate(file)
        report.applied += 1
      } else {
        report.kept += 1
      }
    }
  }
  for (const file of bad) {
    ctx.logger.warn({ file }, 'removing an async pending file that is not an update')
    await removePendingUpdate(file)
    report.invalid += 1
  }
  return report
}
