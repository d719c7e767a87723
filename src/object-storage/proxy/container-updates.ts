/** @module object-storage/proxy/container-updates: object rows to container replicas, or async pending */
import { savePendingUpdate, type ContainerUpdate } from '../storage/async-pending.js'
import type { ProxyContext } from './context.js'
import { reportContainer } from './container-ops.js'

/**
 * Merges the row into every container replica it can reach; returns whether all were reached.
 * A replica on a device that is down or failing is left for the updater.
 */
export function mergeIntoContainers(ctx: ProxyContext, update: ContainerUpdate): boolean {
  const { cluster } = ctx
  const { partition, hash, nodes } = cluster.ring.nodesFor(update.account, update.container)
  let complete = true
  for (const device of nodes) {
    if (cluster.down.has(device.id)) {
      complete = false
      continue
    }
    try {
      cluster.containerBrokerAt(device, partition, hash).mergeObjects([
        {
          name: update.object,
          createdAt: update.createdAt,
          size: update.size,
          contentType: update.contentType,
          etag: update.etag,
          deleted: update.deleted,
        },
      ])
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
 * Updates the container listing after an object write or delete. When a container replica could
 * not be updated the row is saved as an async pending update on the first live device of the
 * object, so the updater retries it until it lands.
 */
export async function updateContainers(ctx: ProxyContext, update: ContainerUpdate): Promise<void> {
  if (mergeIntoContainers(ctx, update)) return
  const place = ctx.cluster.objectPlace(update.account, update.container, update.object)
  const target = place.stores[0]
  if (!target) {
    ctx.logger.error({ update }, 'no live device to keep a container update on')
    return
  }
  await savePendingUpdate(target.device.path, place.hash, update)
}
