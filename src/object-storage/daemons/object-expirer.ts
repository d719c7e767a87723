/** @module object-storage/daemons/object-expirer: deletes objects whose X-Delete-At has passed */
import type { ProxyContext } from '../proxy/context.js'
import { readObject, deleteObject } from '../proxy/replicated-objects.js'

/** One pass: deletes due objects still carrying the scheduled X-Delete-At; returns how many. */
export async function expireObjects(ctx: ProxyContext): Promise<number> {
  let expired = 0
  for (const entry of ctx.expiry.due(Math.floor(ctx.clock.now() / 1000))) {
    const path = { account: entry.account, container: entry.container, object: entry.object }
    const stored = await readObject(ctx, path)
    if (stored && stored.metadata.headers['x-delete-at'] === String(entry.deleteAt)) {
      await deleteObject(ctx, path, ctx.timestamp())
      expired += 1
    }
    ctx.expiry.remove(entry)
  }
  return expired
}
