/** @module network/service/networks: network use cases, with segment allocation */
import { ForbiddenError } from '../../core/errors/index.js'
import {
  deleteNetwork,
  insertNetwork,
  listNetworks as listNetworkRows,
  segmentsTaken,
  takeSegment,
  updateNetwork as writeNetwork,
  type Network,
} from '../db/networks-repo.js'
import {
  deleteRbacOf,
  deleteRbacPolicy,
  insertRbacPolicy,
  listRbacPolicies,
  networksGrantedTo,
} from '../db/policies-repo.js'
import { deletePort, listPorts } from '../db/ports-repo.js'
import { deleteFloatingIp, listFloatingIps, listRouters } from '../db/routers-repo.js'
import { dropTags, setTags } from '../db/standard-attrs.js'
import { deleteSubnet, listSubnets } from '../db/subnets-repo.js'
import {
  ExternalNetworkInUseError,
  InvalidInputError,
  NetworkInUseError,
  NoNetworkAvailableError,
} from '../errors.js'
import type { NetworkState } from '../mech/mechanism-driver.js'
import { now, retryingTransaction, type Caller, type NetworkContext, type Tx } from './context.js'
import { checkQuota } from './quotas.js'
import { assertWritten, bumped, checkRevision } from './revisions.js'
import { accessTo, visibleNetwork } from './visibility.js'

/** What a caller may set on a new network. */
export interface NetworkInput {
  projectId?: string
  name?: string
  description?: string
  adminStateUp?: boolean
  shared?: boolean
  external?: boolean
  mtu?: number
  networkType?: string
  physicalNetwork?: string | null
  segmentationId?: number | null
  portSecurityEnabled?: boolean
  availabilityZoneHints?: string[]
  isDefault?: boolean
  tags?: string[]
}

/** Device owners whose ports do not keep a network in use (Neutron's auto-deleted ports). */
const AUTO_DELETED_OWNERS = new Set(['network:dhcp', 'network:router_ha_interface'])

export function networkState(n: Network): NetworkState {
  return {
    id: n.id,
    projectId: n.projectId,
    networkType: n.networkType,
    physicalNetwork: n.physicalNetwork,
    segmentationId: n.segmentationId,
    mtu: n.mtu,
    adminStateUp: n.adminStateUp,
    external: n.external,
  }
}

async function allocateSegment(
  ctx: NetworkContext,
  tx: Tx,
  network: Pick<Network, 'id' | 'networkType' | 'physicalNetwork' | 'segmentationId'>,
): Promise<{ physicalNetwork: string | null; segmentationId: number | null }> {
  const { networkType: type } = network
  if (type === 'local') return { physicalNetwork: null, segmentationId: null }
  if (type === 'flat') {
    const physnet = network.physicalNetwork ?? ctx.config.flatNetworks[0]
    if (!physnet || !ctx.config.flatNetworks.includes(physnet)) {
      throw new InvalidInputError(
        `physical_network '${physnet ?? ''}' unknown for flat provider network`,
      )
    }
    await takeSegment(tx, `flat:${physnet}`, network.id)
    return { physicalNetwork: physnet, segmentationId: null }
  }
  const physnet =
    type === 'vlan' ? (network.physicalNetwork ?? ctx.config.vlanRanges[0]?.physnet ?? null) : null
  const prefix = type === 'vlan' ? `vlan:${physnet}:` : 'vxlan:'
  if (network.segmentationId !== null && network.segmentationId !== undefined) {
    const max = type === 'vlan' ? 4094 : 16777215
    if (network.segmentationId < 1 || network.segmentationId > max) {
      throw new InvalidInputError(`segmentation_id must be between 1 and ${max}`)
    }
    await takeSegment(tx, `${prefix}${network.segmentationId}`, network.id)
    return { physicalNetwork: physnet, segmentationId: network.segmentationId }
  }
  const taken = await segmentsTaken(tx, prefix)
  const ranges =
    type === 'vlan'
      ? ctx.config.vlanRanges.filter((r) => r.physnet === physnet)
      : ctx.config.vniRanges
  for (const range of ranges) {
    for (let id = range.min; id <= range.max; id++) {
      if (taken.has(`${prefix}${id}`)) continue
      await takeSegment(tx, `${prefix}${id}`, network.id)
      return { physicalNetwork: physnet, segmentationId: id }
    }
  }
  throw new NoNetworkAvailableError()
}

export async function createNetwork(
  ctx: NetworkContext,
  caller: Caller,
  input: NetworkInput,
): Promise<Network> {
  const networkType = input.networkType ?? ctx.config.tenantNetworkType
  if (!['vxlan', 'flat', 'vlan', 'local'].includes(networkType)) {
    throw new InvalidInputError(`network_type value '${networkType}' not supported`)
  }
  const at = now(ctx)
  const id = ctx.ids.uuid()
  const physnetMtu = ctx.config.physnetMtu
  const maxMtu = networkType === 'vxlan' ? physnetMtu - 50 : physnetMtu
  if (input.mtu !== undefined && input.mtu > maxMtu) {
    throw new InvalidInputError(`Requested MTU is too big, maximum is ${maxMtu}`)
  }
  const draft: Network = {
    id,
    projectId: input.projectId ?? caller.projectId,
    name: input.name ?? '',
    description: input.description ?? '',
    revisionNumber: 1,
    createdAt: at,
    updatedAt: at,
    tags: input.tags ?? [],
    status: 'ACTIVE',
    adminStateUp: input.adminStateUp ?? true,
    shared: input.shared ?? false,
    external: input.external ?? false,
    mtu: input.mtu ?? maxMtu,
    networkType,
    physicalNetwork: input.physicalNetwork ?? null,
    segmentationId: input.segmentationId ?? null,
    portSecurityEnabled: input.portSecurityEnabled ?? true,
    availabilityZoneHints: input.availabilityZoneHints ?? [],
    isDefault: input.isDefault ?? false,
  }
  const network = await retryingTransaction(ctx, async (tx) => {
    await checkQuota(ctx, tx, draft.projectId, 'network')
    const segment = await allocateSegment(ctx, tx, draft)
    const row = { ...draft, ...segment }
    await insertNetwork(tx, row)
    await setTags(tx, id, row.tags)
    await recordWildcardRbac(ctx, tx, row)
    for (const d of ctx.drivers)
      await d.networkPrecommit?.({ kind: 'create', current: networkState(row) })
    return row
  })
  for (const d of ctx.drivers)
    await d.networkPostcommit?.({ kind: 'create', current: networkState(network) })
  return network
}

/** Neutron keeps `shared` and `router:external` as wildcard RBAC entries; so do we, beside the flags. */
async function recordWildcardRbac(ctx: NetworkContext, tx: Tx, network: Network): Promise<void> {
  const actions = [
    ...(network.shared ? ['access_as_shared'] : []),
    ...(network.external ? ['access_as_external'] : []),
  ]
  for (const action of actions) {
    await insertRbacPolicy(tx, {
      id: ctx.ids.uuid(),
      projectId: network.projectId,
      objectType: 'network',
      objectId: network.id,
      action,
      targetProject: '*',
    })
  }
}

export async function getNetwork(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
): Promise<Network> {
  return (await visibleNetwork(ctx, caller, id)).network
}

/** Networks the caller may see; `sql` narrows in the database. */
export async function listNetworks(
  ctx: NetworkContext,
  caller: Caller,
  sql: { ids?: string[]; external?: boolean; name?: string } = {},
): Promise<Network[]> {
  if (caller.isAdmin) return listNetworkRows(ctx.db, sql)
  const granted = await networksGrantedTo(ctx.db, caller.projectId)
  return listNetworkRows(ctx.db, {
    ...sql,
    visibleTo: { projectId: caller.projectId, alsoIds: granted },
  })
}

/** Whether the caller sees a network as shared with it (for the `shared` attribute). */
export async function sharedFor(
  ctx: NetworkContext,
  caller: Caller,
  network: Network,
): Promise<boolean> {
  if (network.shared) return true
  if (network.projectId === caller.projectId) return false
  return (await accessTo(ctx.db, caller, network))?.shared ?? false
}

export interface NetworkUpdate {
  name?: string
  description?: string
  adminStateUp?: boolean
  shared?: boolean
  external?: boolean
  mtu?: number
  portSecurityEnabled?: boolean
  isDefault?: boolean
}

export async function updateNetwork(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
  update: NetworkUpdate,
  ifMatch?: number,
): Promise<Network> {
  const result = await ctx.db.transaction().execute(async (tx) => {
    const { network } = await visibleNetwork(ctx, caller, id, tx)
    checkRevision(network, ifMatch)
    if (update.external === false && network.external) {
      const routers = await listRouters(tx, { gwNetworkId: id })
      if (routers.length > 0) throw new ExternalNetworkInUseError(id)
    }
    const next = bumped(ctx, network, update)
    assertWritten(await writeNetwork(tx, next, network.revisionNumber), 'Network')
    await syncWildcardRbac(ctx, tx, network, next)
    for (const d of ctx.drivers) {
      await d.networkPrecommit?.({
        kind: 'update',
        current: networkState(next),
        original: networkState(network),
      })
    }
    return { next, original: network }
  })
  for (const d of ctx.drivers) {
    await d.networkPostcommit?.({
      kind: 'update',
      current: networkState(result.next),
      original: networkState(result.original),
    })
  }
  return result.next
}

async function syncWildcardRbac(
  ctx: NetworkContext,
  tx: Tx,
  before: Network,
  after: Network,
): Promise<void> {
  for (const [flag, action] of [
    ['shared', 'access_as_shared'],
    ['external', 'access_as_external'],
  ] as const) {
    if (before[flag] === after[flag]) continue
    if (after[flag]) {
      await insertRbacPolicy(tx, {
        id: ctx.ids.uuid(),
        projectId: after.projectId,
        objectType: 'network',
        objectId: after.id,
        action,
        targetProject: '*',
      })
    } else {
      const wild = await listRbacPolicies(tx, { objectId: after.id, targetProject: '*', action })
      for (const w of wild) await deleteRbacPolicy(tx, w.id)
    }
  }
}

export async function deleteNetworkById(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
): Promise<void> {
  const original = await ctx.db.transaction().execute(async (tx) => {
    const { network, access } = await visibleNetwork(ctx, caller, id, tx)
    if (!access.owner) throw new ForbiddenError(`You are not authorized to delete network ${id}.`)
    const ports = await listPorts(tx, { networkIds: [id] })
    // Unassociated floating IPs go with their external network, as in Neutron.
    const fips = await listFloatingIps(tx, { networkId: id })
    const loose = new Set(fips.filter((f) => f.portId === null).map((f) => f.floatingPortId))
    const blocking = ports.filter(
      (p) => !AUTO_DELETED_OWNERS.has(p.deviceOwner) && !loose.has(p.id),
    )
    if (blocking.length > 0) throw new NetworkInUseError(id)
    for (const f of fips) {
      await deleteFloatingIp(tx, f.id)
      await dropTags(tx, f.id)
    }
    for (const p of ports) await deletePort(tx, p.id)
    for (const s of await listSubnets(tx, { networkIds: [id] })) {
      await deleteSubnet(tx, s.id)
      await dropTags(tx, s.id)
    }
    await deleteRbacOf(tx, id)
    await dropTags(tx, id)
    await deleteNetwork(tx, id)
    for (const d of ctx.drivers)
      await d.networkPrecommit?.({ kind: 'delete', original: networkState(network) })
    return network
  })
  for (const d of ctx.drivers)
    await d.networkPostcommit?.({ kind: 'delete', original: networkState(original) })
}

/** Subnet ids of each network, for the `subnets` attribute. */
export async function subnetIdsOf(
  ctx: NetworkContext,
  networkIds: string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  for (const s of await listSubnets(ctx.db, { networkIds })) {
    out.set(s.networkId, [...(out.get(s.networkId) ?? []), s.id])
  }
  return out
}
