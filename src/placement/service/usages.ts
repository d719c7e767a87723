/** @module placement/service/usages: what consumers use of a provider */
import { usages } from '../db/placement-repo.js'
import type { PlacementContext } from './context.js'
import { getProvider, type Provider } from './providers.js'

export async function providerUsages(
  ctx: PlacementContext,
  uuid: string,
): Promise<{ provider: Provider; usages: Record<string, number> }> {
  const provider = await getProvider(ctx, uuid)
  return { provider, usages: (await usages(ctx.db, uuid)).get(uuid) ?? {} }
}
