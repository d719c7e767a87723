/** @module compute/service/security-group-proxy: os-security-groups, forwarded to networking as the caller */
import { ServiceCallError } from '../../clients/errors.js'
import type { NetSecurityGroup, NetSecurityGroupRule } from '../../clients/security-group-client.js'
import { BadRequestError, NotFoundError } from '../../core/errors/index.js'
import { updateInstance } from '../db/instances-repo.js'
import type { Caller, ComputeContext } from './context.js'
import { findServer } from './server-access.js'

export type { NetSecurityGroup, NetSecurityGroupRule }

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i

/** Networking names groups by UUID; anything else is a bad request, as in Nova. */
function assertGroupId(id: string): void {
  if (!UUID.test(id)) throw new BadRequestError('Security group id should be uuid')
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
  assertGroupId(input.parentGroupId)
  if (input.groupId) assertGroupId(input.groupId)
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
      remoteIpPrefix: input.groupId ? null : (input.cidr ?? '0.0.0.0/0'),
      remoteGroupId: input.groupId,
      ethertype: 'IPv4',
    }),
  )
}

/** The groups a rule list names as remotes, by id (ones the caller cannot see are left out). */
export async function remoteGroupsOf(
  ctx: ComputeContext,
  token: string,
  rules: readonly NetSecurityGroupRule[],
): Promise<NetSecurityGroup[]> {
  const client = ctx.securityGroupsFor(token)
  const ids = [...new Set(rules.flatMap((r) => (r.remoteGroupId ? [r.remoteGroupId] : [])))]
  const found: NetSecurityGroup[] = []
  for (const id of ids) {
    const group = await client.get(id).catch((error: unknown) => {
      if (error instanceof ServiceCallError && error.status === 404) return undefined
      throw error
    })
    if (group) found.push(group)
  }
  return found
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
  const applied = new Set<string>()
  for (const vif of instance.networkInfo) {
    for (const id of await client.portGroups(vif.portId)) applied.add(id)
  }
  const names = groups.filter((g) => applied.has(g.id)).map((g) => g.name)
  await updateInstance(ctx.db, instance.uuid, {
    requestSpec: { ...instance.requestSpec, appliedSecurityGroups: names },
  })
}
