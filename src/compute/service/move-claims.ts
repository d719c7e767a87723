/** @module compute/service/move-claims: a failed or aborted move gives the server its source's claims back */
import type { PlacementClient } from '../../clients/placement-client.js'
import type { Instance } from '../model/instance.js'

/**
 * The allocation the migration held (the source's) is the server's again and the
 * destination's claim goes; a migration that holds nothing leaves the server's as it is.
 */
export async function revertMoveClaims(
  ctx: { placement: PlacementClient },
  instance: Pick<Instance, 'uuid' | 'projectId' | 'userId'>,
  migrationUuid: string,
): Promise<void> {
  const held = await ctx.placement.allocations(migrationUuid)
  if (Object.keys(held).length === 0) return
  const owner = { projectId: instance.projectId, userId: instance.userId }
  await ctx.placement.claim(instance.uuid, held, owner)
  await ctx.placement.release(migrationUuid)
}
