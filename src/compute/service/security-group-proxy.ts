/** @module compute/service/security-group-proxy: os-security-groups, forwarded to networking as the caller */
import { ServiceCallError } from '../../clients/errors.js'
import type { NetSecurityGroup, NetSecurityGroupRule } from '../../clients/security-group-client.js'
import { BadRequestError, NotFoundError } from '../../core/errors/index.js'
import type { Caller, ComputeContext } from './context.js'
import { findServer } from './server-access.js'

export type { NetSecurityGroup, NetSecurityGroupRule }

/** `10.2.3.124/24` as the network it names, `10.2.3.0/24` (IPv4; other text is kept). */
function networkOf(cidr: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr)
  if (!m) return cidr
  const bits = Number(m[5])
  if (bits > 32) throw new BadRequestError(`Invalid CIDR ${cidr}`)
  const value = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0)
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
  const net = (value & mask) >>> 0
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${bits}`
}

/** Turns networking's answers into Nova's: 404 stays 404, any other refusal is a 400. */
async function forwarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    if (!(error instanceof ServiceCallError)) throw error
    if (error.status === 404) throw new NotFoundError(`Security group ${what} not found.`)
    if (error.status < 500) throw new BadRequestError(error.message)
    throw error
  }
}

export function listSecurityGroups(ctx: ComputeContext, caller: Caller, token: string) {
  return forwarded('list', () =>
    ctx.securityGroupsFor(token).list(caller.isAdmin ? undefined : caller.projectId),
  )
}

export function getSecurityGroup(ctx: ComputeContext, token: string, id: string) {
  return forwarded(id, () => ctx.securityGroupsFor(token).get(id))
}

export function createSecurityGroup(
  ctx: ComputeContext,
  token: string,
  input: { name: string; description: string },
) {
  return forwarded(input.name, () =>
    ctx.securityGroupsFor(token).create(input.name, input.description),
  )
}

export function updateSecurityGroup(
  ctx: ComputeContext,
  token: string,
  id: string,
  input: { name: string; description: string },
) {
  return forwarded(id, () => ctx.securityGroupsFor(token).update(id, input))
}

export async function deleteSecurityGroup(ctx: ComputeContext, token: string, id: string) {
  const group = await getSecurityGroup(ctx, token, id)
  if (group.name === 'default') {
    throw new BadRequestError('Unable to delete default security group')
  }
  await forwarded(id, () => ctx.securityGroupsFor(token).delete(id))
}

export async function createSecurityGroupRule(
  ctx: ComputeContext,
  token: string,
  input: {
    parentGroupId: string
    protocol: string | null
    fromPort: number | null
    toPort: number | null
    cidr: string | null
    groupId: string | null
  },
) {
  await getSecurityGroup(ctx, token, input.parentGroupId)
  const icmp = input.protocol === 'icmp'
  const wild = (p: number | null) => (p === -1 || p === null ? null : p)
  return forwarded(input.parentGroupId, () =>
    ctx.securityGroupsFor(token).createRule({
      securityGroupId: input.parentGroupId,
      direction: 'ingress',
      protocol: input.protocol,
      portRangeMin: icmp ? wild(input.fromPort) : input.fromPort,
      portRangeMax: icmp ? wild(input.toPort) : input.toPort,
      remoteIpPrefix: input.groupId ? null : networkOf(input.cidr ?? '0.0.0.0/0'),
      remoteGroupId: input.groupId,
      ethertype: 'IPv4',
    }),
  )
}

export async function deleteSecurityGroupRule(ctx: ComputeContext, token: string, id: string) {
  await forwarded(id, () => ctx.securityGroupsFor(token).deleteRule(id))
}

/** The groups on a server's ports. */
export async function serverSecurityGroups(
  ctx: ComputeContext,
  caller: Caller,
  token: string,
  uuid: string,
): Promise<NetSecurityGroup[]> {
  const instance = await findServer(ctx, caller, uuid)
  const client = ctx.securityGroupsFor(token)
  const ids = new Set<string>()
  for (const vif of instance.networkInfo) {
    for (const id of await client.portGroups(vif.portId)) ids.add(id)
  }
  const all = await client.list()
  return all.filter((g) => ids.has(g.id))
}

/** Adds or removes a group (by name or id) on every port of a server. */
export async function changeServerSecurityGroup(
  ctx: ComputeContext,
  caller: Caller,
  token: string,
  input: { uuid: string; group: string; add: boolean },
): Promise<void> {
  const instance = await findServer(ctx, caller, input.uuid)
  const client = ctx.securityGroupsFor(token)
  const groups = await client.list(instance.projectId)
  const group = groups.find((g) => g.id === input.group || g.name === input.group)
  if (!group) throw new NotFoundError(`Security group ${input.group} not found.`)
  if (instance.networkInfo.length === 0) {
    throw new BadRequestError('The server has no network interface to apply the group to.')
  }
  for (const vif of instance.networkInfo) {
    const current = await client.portGroups(vif.portId)
    if (!input.add && !current.includes(group.id)) {
      throw new BadRequestError(`Security group ${input.group} not associated with the instance`)
    }
    const next = input.add
      ? [...new Set([...current, group.id])]
      : current.filter((id) => id !== group.id)
    await client.setPortGroups(vif.portId, next)
  }
}
