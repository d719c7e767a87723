/** @module object-storage/proxy/container-updates: object rows to container replicas, or async pending */
import { savePendingUpdate, type ContainerUpdate } from '../storage/async-pending.js'
import type { ProxyContext } from './context.js'
import { reportContainer } from './container-ops.js'

/**
 * Merges the rows (of one container) into every container replica it can reach, in one
 * transaction per replica, then copies the container's counts to its account once; returns
 * whether every replica was reached. A replica on a device that is down or failing is left for
 * the updater.
 */
export function mergeIntoContainers(
  ctx: ProxyContext,
  update: ContainerUpdate,
  ...more: ContainerUpdate[]
): boolean {
  const { cluster } = ctx
  const { partition, hash, nodes } = cluster.ring.nodesFor(update.account, update.container)
  const rows = [update, ...more].map((u) => ({
    name: u.object,
    createdAt: u.createdAt,
    size: u.size,
    contentType: u.contentType,
    etag: u.etag,
    deleted: u.deleted,
  }))
  let complete = true
  for (const device of nodes) {
    if (cluster.down.has(device.id)) {
      complete = false
      continue
    }
    try {
      cluster.containerBrokerAt(device, partition, hash).mergeObjects(rows)
    } catch (err) {
      complete = false
      ctx.logger.warn(
        { err, device: device.name },
        'container update failed; kept as async pending',
      )
    }
  }
  reportContainer(ctx, update.account, update.container)
  return complete
}

/**
 * Updates the container listing after object writes or deletes of one container (rows that
 * finished together share each database's transaction: a group commit of the listing). When a
 * container replica could not be updated, each row is saved as an async pending update on the
 * first live device of its object, so the updater retries it until it lands. One promise per row.
 */
export function updateContainers(
  ctx: ProxyContext,
  updates: readonly ContainerUpdate[],
): Promise<void>[] {
  const [first, ...more] = updates
  if (!first || mergeIntoContainers(ctx, first, ...more))
    return updates.map(() => Promise.resolve())
  return updates.map(async (update) => {
    const place = ctx.cluster.objectPlace(update.account, update.container, update.object)
    const target = place.stores[0]
    if (!target) {
      ctx.logger.error({ update }, 'no live device to keep a container update on')
      return
    }
    await savePendingUpdate(target.device.path, place.hash, update)
  })
}
