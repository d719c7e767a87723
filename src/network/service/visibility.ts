/** @module network/service/visibility: who sees which network (owner, shared, external, RBAC) */
import { getNetwork, listNetworks, type Network } from '../db/networks-repo.js'
import { listRbacPolicies, networksGrantedTo } from '../db/policies-repo.js'
import { NetworkNotFoundError } from '../errors.js'
import type { Caller, NetworkContext, Tx } from './context.js'

/** How a caller reaches a network. */
export interface NetworkAccess {
  owner: boolean
  /** Shared with everyone or with the caller's project. */
  shared: boolean
  /** External to everyone or to the caller's project. */
  external: boolean
}

/** The access a caller has to a network; undefined when it may not see it at all. */
export async function accessTo(
  db: Tx,
  caller: Caller,
  network: Network,
): Promise<NetworkAccess | undefined> {
  const owner = caller.projectId === network.projectId
  let shared = network.shared
  let external = network.external
  if (!owner && (!shared || !external)) {
    const grants = await listRbacPolicies(db, {
      objectId: network.id,
      targetProject: caller.projectId,
    })
    shared ||= grants.some((g) => g.action === 'access_as_shared')
    external ||= grants.some((g) => g.action === 'access_as_external')
  }
  if (!caller.isAdmin && !owner && !shared && !external) return undefined
  return { owner: owner || caller.isAdmin, shared, external }
}

/** A network the caller may see, or 404. */
export async function visibleNetwork(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
  db: Tx = ctx.db,
): Promise<{ network: Network; access: NetworkAccess }> {
  const network = await getNetwork(db, id)
  const access = network && (await accessTo(db, caller, network))
  if (!network || !access) throw new NetworkNotFoundError(id)
  return { network, access }
}

/** Ids of networks shared with the caller (not owned, not external-only). */
export async function sharedNetworkIds(ctx: NetworkContext, caller: Caller): Promise<string[]> {
  const granted = await networksGrantedTo(ctx.db, caller.projectId)
  const sharedRows = await listNetworks(ctx.db, {
    visibleTo: { projectId: caller.projectId, alsoIds: granted },
  })
  const ids: string[] = []
  for (const n of sharedRows) {
    if (n.projectId === caller.projectId) continue
    const access = await accessTo(ctx.db, caller, n)
    if (access?.shared) ids.push(n.id)
  }
  return ids
}

/** Ids of the networks the caller owns. */
export async function ownedNetworkIds(ctx: NetworkContext, caller: Caller): Promise<string[]> {
  return (await listNetworks(ctx.db, { projectId: caller.projectId })).map((n) => n.id)
}
