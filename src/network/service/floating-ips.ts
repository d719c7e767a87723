/** @module network/service/floating-ips: allocation from external networks and association to ports */
import { BadRequestError } from '../../core/errors/index.js'
import { getPort as getPortRow, type Port } from '../db/ports-repo.js'
import {
  deleteFloatingIp as removeFloatingIp,
  getFloatingIp as getFloatingIpRow,
  insertFloatingIp,
  listFloatingIps,
  updateFloatingIp as writeFloatingIp,
  type FloatingIp,
} from '../db/routers-repo.js'
import { dropTags, setTags } from '../db/standard-attrs.js'
import {
  BadFloatingIPRequestError,
  ExternalGatewayForFloatingIPNotFoundError,
  FloatingIPNotFoundError,
  FloatingIPPortAlreadyAssociatedError,
  NetworkNotFoundError,
  PortNotFoundError,
} from '../errors.js'
import { normalizeIp } from '../ipam/ip-address.js'
import { now, retryingTransaction, type Caller, type NetworkContext, type Tx } from './context.js'
import { createPort, removePortIn } from './ports.js'
import { checkQuota } from './quotas.js'
import { assertWritten, bumped, checkRevision } from './revisions.js'
import { routerChanged, routersReaching } from './routers.js'
import { visibleNetwork } from './visibility.js'

export const FLOATING_IP_OWNER = 'network:floatingip'

export interface FloatingIpInput {
  floatingNetworkId: string
  projectId?: string
  description?: string
  floatingIpAddress?: string
  subnetId?: string
  portId?: string | null
  fixedIpAddress?: string | null
  tags?: string[]
}

/** Details of the associated port, for the `port_details` attribute. */
export interface FloatingIpDetails {
  fip: FloatingIp
  port?: Port
}

interface Association {
  portId: string | null
  fixedIpAddress: string | null
  routerId: string | null
}

async function associate(
  tx: Tx,
  caller: Caller,
  fip: Pick<FloatingIp, 'id' | 'floatingNetworkId' | 'floatingIpAddress'>,
  portId: string | null | undefined,
  fixedIp: string | null | undefined,
): Promise<Association> {
  if (!portId) return { portId: null, fixedIpAddress: null, routerId: null }
  const port = await getPortRow(tx, portId)
  if (!port || (!caller.isAdmin && port.projectId !== caller.projectId))
    throw new PortNotFoundError(portId)
  let chosen = port.fixedIps.find((f) => !f.ipAddress.includes(':'))
  if (fixedIp) {
    const wanted = normalizeIp(fixedIp)
    chosen = port.fixedIps.find((f) => f.ipAddress === wanted)
    if (!chosen) {
      throw new BadFloatingIPRequestError(`Port ${portId} does not have fixed ip ${fixedIp}`)
    }
  }
  if (!chosen) throw new BadFloatingIPRequestError(`Port ${portId} does not have any IPv4 address`)
  const routers = await routersReaching(tx, fip.floatingNetworkId, chosen.subnetId)
  const router = routers[0]
  if (!router)
    throw new ExternalGatewayForFloatingIPNotFoundError(
      fip.floatingNetworkId,
      chosen.subnetId,
      portId,
    )
  const others = await listFloatingIps(tx, { portId })
  const clash = others.find(
    (o) =>
      o.id !== fip.id &&
      o.fixedIpAddress === chosen.ipAddress &&
      o.floatingNetworkId === fip.floatingNetworkId,
  )
  if (clash)
    throw new FloatingIPPortAlreadyAssociatedError(fip.floatingIpAddress, portId, chosen.ipAddress)
  return { portId, fixedIpAddress: chosen.ipAddress, routerId: router.id }
}

async function withPort(tx: Tx, fip: FloatingIp): Promise<FloatingIpDetails> {
  const port = fip.portId ? await getPortRow(tx, fip.portId) : undefined
  return { fip, ...(port ? { port } : {}) }
}

export async function createFloatingIp(
  ctx: NetworkContext,
  caller: Caller,
  input: FloatingIpInput,
): Promise<FloatingIpDetails> {
  const { network } = await visibleNetwork(ctx, caller, input.floatingNetworkId).catch(() => {
    throw new NetworkNotFoundError(input.floatingNetworkId)
  })
  if (!network.external) {
    throw new BadRequestError(
      `Bad floatingip request: Network ${network.id} is not a valid external network.`,
    )
  }
  const projectId = input.projectId ?? caller.projectId
  const at = now(ctx)
  const created = await retryingTransaction(ctx, async (tx) => {
    await checkQuota(ctx, tx, projectId, 'floatingip')
    const id = ctx.ids.uuid()
    const fixed = input.floatingIpAddress
      ? [
          {
            ...(input.subnetId ? { subnetId: input.subnetId } : {}),
            ipAddress: input.floatingIpAddress,
          },
        ]
      : input.subnetId
        ? [{ subnetId: input.subnetId }]
        : undefined
    const port = await createPort(
      ctx,
      { projectId: '', isAdmin: true },
      {
        networkId: network.id,
        projectId: '',
        deviceOwner: FLOATING_IP_OWNER,
        deviceId: id,
        ...(fixed ? { fixedIps: fixed } : {}),
      },
      { internal: true, tx },
    )
    const address = port.fixedIps.find((f) => !f.ipAddress.includes(':')) ?? port.fixedIps[0]
    if (!address)
      throw new BadFloatingIPRequestError(`Network ${network.id} has no subnet to allocate from`)
    const base = { id, floatingNetworkId: network.id, floatingIpAddress: address.ipAddress }
    const link = await associate(tx, caller, base, input.portId, input.fixedIpAddress)
    const fip: FloatingIp = {
      ...base,
      projectId,
      name: '',
      description: input.description ?? '',
      revisionNumber: 0,
      createdAt: at,
      updatedAt: at,
      tags: input.tags ?? [],
      floatingPortId: port.id,
      ...link,
      status: link.portId ? 'ACTIVE' : 'DOWN',
    }
    await insertFloatingIp(tx, fip)
    await setTags(tx, fip.id, fip.tags)
    return withPort(tx, fip)
  })
  return routerChanged(ctx, [created.fip.routerId], created)
}

function visible(caller: Caller, fip: FloatingIp | undefined, id: string): FloatingIp {
  if (!fip || (!caller.isAdmin && fip.projectId !== caller.projectId))
    throw new FloatingIPNotFoundError(id)
  return fip
}

export async function getFloatingIp(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
): Promise<FloatingIpDetails> {
  return withPort(ctx.db, visible(caller, await getFloatingIpRow(ctx.db, id), id))
}

export async function listFloatingIpDetails(
  ctx: NetworkContext,
  caller: Caller,
): Promise<FloatingIpDetails[]> {
  const fips = await listFloatingIps(ctx.db, caller.isAdmin ? {} : { projectId: caller.projectId })
  return Promise.all(fips.map((f) => withPort(ctx.db, f)))
}

export async function updateFloatingIp(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
  update: { portId?: string | null; fixedIpAddress?: string | null; description?: string },
  ifMatch?: number,
): Promise<FloatingIpDetails> {
  let before: string | null = null
  const updated = await ctx.db.transaction().execute(async (tx) => {
    const fip = visible(caller, await getFloatingIpRow(tx, id), id)
    before = fip.routerId
    checkRevision(fip, ifMatch)
    let next = bumped(
      ctx,
      fip,
      update.description !== undefined ? { description: update.description } : {},
    )
    if (update.portId !== undefined) {
      const link = await associate(tx, caller, fip, update.portId, update.fixedIpAddress)
      next = { ...next, ...link, status: link.portId ? 'ACTIVE' : 'DOWN' }
    }
    assertWritten(await writeFloatingIp(tx, next, fip.revisionNumber), 'Floating IP')
    return withPort(tx, next)
  })
  return routerChanged(ctx, [before, updated.fip.routerId], updated)
}

export async function deleteFloatingIp(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
): Promise<void> {
  let routerId: string | null = null
  await ctx.db.transaction().execute(async (tx) => {
    const fip = visible(caller, await getFloatingIpRow(tx, id), id)
    routerId = fip.routerId
    const port = await getPortRow(tx, fip.floatingPortId)
    if (port) await removePortIn(ctx, tx, port)
    await removeFloatingIp(tx, id)
    await dropTags(tx, id)
  })
  await routerChanged(ctx, [routerId], undefined)
}
