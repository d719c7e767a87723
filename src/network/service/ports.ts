/** @module network/service/ports: port use cases: MACs, fixed IPs, security groups, binding */
import { randomBytes } from 'node:crypto'
import { ForbiddenError } from '../../core/errors/index.js'
import type { Network } from '../db/networks-repo.js'
import {
  deleteAllocations,
  deletePort as removePort,
  getPort as getPortRow,
  insertPort,
  listPorts as listPortRows,
  replaceSecurityGroups,
  updatePort as writePort,
  type FixedIp,
  type Port,
} from '../db/ports-repo.js'
import { disassociatePort } from '../db/routers-repo.js'
import { getSecurityGroup } from '../db/security-groups-repo.js'
import { dropTags, setTags } from '../db/standard-attrs.js'
import { listSubnets } from '../db/subnets-repo.js'
import {
  InvalidInputError,
  MacAddressInUseError,
  PortInUseError,
  PortNotFoundError,
  SecurityGroupNotFoundError,
} from '../errors.js'
import { isMacAddress, normalizeMac } from '../ipam/ip-address.js'
import type { PortState } from '../mech/mechanism-driver.js'
import { now, retryingTransaction, type Caller, type NetworkContext, type Tx } from './context.js'
import { allocateFixedIps, type FixedIpRequest } from './ipam.js'
import { networkState } from './networks.js'
import { checkQuota } from './quotas.js'
import { assertWritten, bumped, checkRevision } from './revisions.js'
import { ensureDefaultGroup } from './security-groups.js'
import { ownedNetworkIds, visibleNetwork } from './visibility.js'

export interface PortInput {
  networkId: string
  projectId?: string
  name?: string
  description?: string
  adminStateUp?: boolean
  macAddress?: string
  fixedIps?: FixedIpRequest[]
  deviceId?: string
  deviceOwner?: string
  hostId?: string
  vnicType?: string
  profile?: Record<string, unknown>
  securityGroups?: string[]
  portSecurityEnabled?: boolean
  allowedAddressPairs?: { ip_address: string; mac_address?: string }[]
  extraDhcpOpts?: Record<string, unknown>[]
  dnsName?: string
  tags?: string[]
}

export type PortUpdate = Partial<Omit<PortInput, 'networkId' | 'projectId' | 'tags'>>

function generateMac(base: string): string {
  const prefix = base.split(':').slice(0, 3)
  const tail = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))
  return [...prefix, ...tail].join(':')
}

function state(port: Port): PortState {
  return {
    id: port.id,
    networkId: port.networkId,
    macAddress: port.macAddress,
    deviceOwner: port.deviceOwner,
    deviceId: port.deviceId,
    hostId: port.hostId,
    vnicType: port.vnicType,
    adminStateUp: port.adminStateUp,
    fixedIps: port.fixedIps,
  }
}

/** Asks the drivers to bind a port with a host; unbound ports stay DOWN. */
function bind(ctx: NetworkContext, port: Port, network: Network): Port {
  if (!port.hostId) return { ...port, vifType: 'unbound', vifDetails: {}, status: 'DOWN' }
  for (const driver of ctx.drivers) {
    const binding = driver.bindPort(state(port), networkState(network))
    if (binding) {
      return {
        ...port,
        vifType: binding.vifType,
        vifDetails: binding.vifDetails,
        status: port.adminStateUp ? binding.status : 'DOWN',
      }
    }
  }
  return { ...port, vifType: 'binding_failed', vifDetails: {}, status: 'DOWN' }
}

async function checkGroups(
  ctx: NetworkContext,
  tx: Tx,
  projectId: string,
  ids: readonly string[],
): Promise<void> {
  for (const id of ids) {
    const group = await getSecurityGroup(tx, id)
    if (!group || group.projectId !== projectId) throw new SecurityGroupNotFoundError(id)
  }
}

function pairs(port: Pick<Port, 'macAddress'>, given: PortInput['allowedAddressPairs']) {
  return (given ?? []).map((p) => {
    const mac = p.mac_address ?? port.macAddress
    if (!isMacAddress(mac)) throw new InvalidInputError(`'${mac}' is not a valid MAC address`)
    return { ip_address: p.ip_address, mac_address: normalizeMac(mac) }
  })
}

/** Creates a port; `internal` skips the owner-only checks (router and floating IP ports). */
export async function createPort(
  ctx: NetworkContext,
  caller: Caller,
  input: PortInput,
  options: { internal?: boolean; tx?: Tx } = {},
): Promise<Port> {
  const { network } = await visibleNetwork(ctx, caller, input.networkId, options.tx)
  const projectId = input.projectId ?? caller.projectId
  const deviceOwner = input.deviceOwner ?? ''
  const isService = deviceOwner.startsWith('network:')
  const securityEnabled = input.portSecurityEnabled ?? network.portSecurityEnabled
  let groups: string[] = []
  if (!isService && securityEnabled) {
    groups = input.securityGroups ?? (options.tx ? [] : [await ensureDefaultGroup(ctx, projectId)])
  } else if (input.securityGroups && input.securityGroups.length > 0 && !securityEnabled) {
    throw new InvalidInputError(
      'Port has security group associated. Cannot disable port security or IP address until security group is removed',
    )
  }
  if (input.macAddress !== undefined && !isMacAddress(input.macAddress)) {
    throw new InvalidInputError(`'${input.macAddress}' is not a valid MAC address`)
  }
  const at = now(ctx)
  const build = async (tx: Tx): Promise<Port> => {
    if (!options.internal) await checkQuota(ctx, tx, projectId, 'port')
    await checkGroups(ctx, tx, projectId, groups)
    const macAddress = input.macAddress
      ? normalizeMac(input.macAddress)
      : generateMac(ctx.config.macBase)
    const taken = await listPortRows(tx, { networkIds: [network.id], macAddress })
    if (taken.length > 0) {
      if (input.macAddress) throw new MacAddressInUseError(network.id, macAddress)
      throw Object.assign(new Error('generated MAC taken'), { code: 'SQLITE_CONSTRAINT_UNIQUE' })
    }
    const draft: Port = {
      id: ctx.ids.uuid(),
      projectId,
      name: input.name ?? '',
      description: input.description ?? '',
      revisionNumber: 1,
      createdAt: at,
      updatedAt: at,
      tags: input.tags ?? [],
      networkId: network.id,
      macAddress,
      adminStateUp: input.adminStateUp ?? true,
      status: 'DOWN',
      deviceId: input.deviceId ?? '',
      deviceOwner,
      hostId: input.hostId ?? '',
      vifType: 'unbound',
      vnicType: input.vnicType ?? 'normal',
      profile: input.profile ?? {},
      vifDetails: {},
      portSecurityEnabled: securityEnabled,
      allowedAddressPairs: [],
      extraDhcpOpts: input.extraDhcpOpts ?? [],
      dnsName: input.dnsName ?? '',
      fixedIps: [],
      securityGroups: [...groups].sort(),
    }
    draft.allowedAddressPairs = pairs(draft, input.allowedAddressPairs)
    const port = bind(ctx, draft, network)
    await insertPort(tx, port)
    const subnets = await listSubnets(tx, { networkIds: [network.id] })
    port.fixedIps = await allocateFixedIps(tx, network, subnets, port, input.fixedIps)
    await setTags(tx, port.id, port.tags)
    for (const d of ctx.drivers) await d.portPrecommit?.({ kind: 'create', current: state(port) })
    return port
  }
  const port = options.tx ? await build(options.tx) : await retryingTransaction(ctx, build)
  if (!options.tx)
    for (const d of ctx.drivers) await d.portPostcommit?.({ kind: 'create', current: state(port) })
  if (!options.tx) ctx.onPortChange?.({ current: port })
  return port
}

/** The ports a caller sees: its own and all those on networks it owns. */
export async function listPorts(
  ctx: NetworkContext,
  caller: Caller,
  sql: {
    ids?: string[]
    networkIds?: string[]
    deviceId?: string
    deviceOwner?: string
    macAddress?: string
    page?: { limit: number; marker?: string }
  } = {},
): Promise<Port[]> {
  if (caller.isAdmin) return listPortRows(ctx.db, sql)
  const owned = await ownedNetworkIds(ctx, caller)
  return listPortRows(ctx.db, {
    ...sql,
    visibleTo: { projectId: caller.projectId, networkIds: owned },
  })
}

export async function getPort(ctx: NetworkContext, caller: Caller, id: string): Promise<Port> {
  const port = await getPortRow(ctx.db, id)
  if (!port) throw new PortNotFoundError(id)
  if (caller.isAdmin || port.projectId === caller.projectId) return port
  const { network } = await visibleNetwork(ctx, caller, port.networkId).catch(() => {
    throw new PortNotFoundError(id)
  })
  if (network.projectId !== caller.projectId) throw new PortNotFoundError(id)
  return port
}

/** Applies changes to a port in `tx`; shared by the API and router interface use cases. */
export async function changePort(
  ctx: NetworkContext,
  tx: Tx,
  port: Port,
  update: PortUpdate,
): Promise<Port> {
  const { network } = await visibleNetwork(
    ctx,
    { projectId: port.projectId, isAdmin: true },
    port.networkId,
    tx,
  )
  const changes: Partial<Port> = {}
  for (const key of [
    'name',
    'description',
    'adminStateUp',
    'deviceId',
    'deviceOwner',
    'hostId',
    'vnicType',
    'profile',
    'extraDhcpOpts',
    'dnsName',
  ] as const) {
    if (update[key] !== undefined) Object.assign(changes, { [key]: update[key] })
  }
  if (update.macAddress !== undefined) {
    if (!isMacAddress(update.macAddress))
      throw new InvalidInputError(`'${update.macAddress}' is not a valid MAC address`)
    const mac = normalizeMac(update.macAddress)
    if (mac !== port.macAddress) {
      if ((await listPortRows(tx, { networkIds: [network.id], macAddress: mac })).length > 0) {
        throw new MacAddressInUseError(network.id, mac)
      }
      changes.macAddress = mac
    }
  }
  const security = update.portSecurityEnabled ?? port.portSecurityEnabled
  changes.portSecurityEnabled = security
  if (update.securityGroups !== undefined) {
    await checkGroups(ctx, tx, port.projectId, update.securityGroups)
    changes.securityGroups = [...new Set(update.securityGroups)].sort()
  }
  if (
    !security &&
    (changes.securityGroups ?? port.securityGroups).length > 0 &&
    update.portSecurityEnabled === false
  ) {
    if (update.securityGroups === undefined) {
      throw new InvalidInputError(
        'Port has security group associated. Cannot disable port security or IP address until security group is removed',
      )
    }
  }
  if (update.allowedAddressPairs !== undefined)
    changes.allowedAddressPairs = pairs(
      { macAddress: changes.macAddress ?? port.macAddress },
      update.allowedAddressPairs,
    )
  let next = bumped(ctx, port, changes)
  if (update.fixedIps !== undefined) {
    const keep: FixedIp[] = []
    const wanted: FixedIpRequest[] = []
    for (const req of update.fixedIps) {
      const same = port.fixedIps.find(
        (f) =>
          (req.ipAddress === undefined || f.ipAddress === req.ipAddress) &&
          (req.subnetId === undefined || f.subnetId === req.subnetId) &&
          req.ipAddress !== undefined,
      )
      if (same && !keep.includes(same)) keep.push(same)
      else wanted.push(req)
    }
    await deleteAllocations(
      tx,
      port.id,
      port.fixedIps.filter((f) => !keep.includes(f)),
    )
    const subnets = await listSubnets(tx, { networkIds: [network.id] })
    const added =
      wanted.length > 0 ? await allocateFixedIps(tx, network, subnets, next, wanted) : []
    next = { ...next, fixedIps: [...keep, ...added] }
  }
  if (
    update.hostId !== undefined ||
    update.adminStateUp !== undefined ||
    update.vnicType !== undefined
  )
    next = bind(ctx, next, network)
  assertWritten(await writePort(tx, next, port.revisionNumber), 'Port')
  if (changes.securityGroups) await replaceSecurityGroups(tx, port.id, changes.securityGroups)
  for (const d of ctx.drivers)
    await d.portPrecommit?.({ kind: 'update', current: state(next), original: state(port) })
  return next
}

export async function updatePort(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
  update: PortUpdate,
  ifMatch?: number,
): Promise<Port> {
  const port = await getPort(ctx, caller, id)
  checkRevision(port, ifMatch)
  const next = await retryingTransaction(ctx, async (tx) => {
    const fresh = await getPortRow(tx, id)
    if (!fresh) throw new PortNotFoundError(id)
    return changePort(ctx, tx, fresh, update)
  })
  for (const d of ctx.drivers)
    await d.portPostcommit?.({ kind: 'update', current: state(next), original: state(port) })
  ctx.onPortChange?.({ original: port, current: next })
  return next
}

/** Removes a port and what hangs off it, in `tx`. */
export async function removePortIn(ctx: NetworkContext, tx: Tx, port: Port): Promise<void> {
  await disassociatePort(tx, port.id, now(ctx))
  await removePort(tx, port.id)
  await dropTags(tx, port.id)
  for (const d of ctx.drivers) await d.portPrecommit?.({ kind: 'delete', original: state(port) })
}

const PROTECTED_OWNERS = new Set([
  'network:router_interface',
  'network:router_gateway',
  'network:floatingip',
  'network:router_interface_distributed',
])

export async function deletePort(ctx: NetworkContext, caller: Caller, id: string): Promise<void> {
  const port = await getPort(ctx, caller, id)
  if (!caller.isAdmin && port.projectId !== caller.projectId) {
    const { network } = await visibleNetwork(ctx, caller, port.networkId)
    if (network.projectId !== caller.projectId) throw new ForbiddenError()
  }
  if (PROTECTED_OWNERS.has(port.deviceOwner) && port.deviceId) {
    throw new PortInUseError(port.networkId, port.id, port.deviceId)
  }
  await ctx.db.transaction().execute((tx) => removePortIn(ctx, tx, port))
  for (const d of ctx.drivers) await d.portPostcommit?.({ kind: 'delete', original: state(port) })
  ctx.onPortChange?.({ original: port })
}
