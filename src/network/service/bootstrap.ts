/** @module network/service/bootstrap: the `public` external network DevStack makes on first start */
import { listNetworks } from '../db/networks-repo.js'
import { parseCidr } from '../ipam/ip-address.js'
import type { Network } from '../db/networks-repo.js'
import type { NetworkContext } from './context.js'
import { createNetwork } from './networks.js'
import { createSubnet } from './subnets.js'

/** Creates the external network and its subnet once; returns it (or the one already there). */
export async function bootstrapPublicNetwork(
  ctx: NetworkContext,
  adminProjectId: string,
): Promise<Network | undefined> {
  const name = ctx.config.publicNetwork
  if (!name) return undefined
  const [existing] = await listNetworks(ctx.db, { name, external: true })
  if (existing) return existing
  const cidr = parseCidr(ctx.config.publicCidr)
  const caller = { projectId: adminProjectId, isAdmin: true }
  const network = await createNetwork(ctx, caller, {
    name,
    external: true,
    networkType: 'flat',
    physicalNetwork: ctx.config.flatNetworks.includes('public')
      ? 'public'
      : (ctx.config.flatNetworks[0] ?? null),
  })
  await createSubnet(ctx, caller, {
    networkId: network.id,
    name: `${name}-subnet`,
    ipVersion: cidr?.version ?? 4,
    cidr: ctx.config.publicCidr,
    enableDhcp: false,
  })
  ctx.logger.info(
    { network: network.id, cidr: ctx.config.publicCidr },
    'created the external network',
  )
  return network
}
