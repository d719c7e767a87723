/** @module network/service/rbac: sharing networks with chosen projects (access_as_shared/external) */
import { isUniqueViolation } from '../../core/db/index.js'
import { ForbiddenError } from '../../core/errors/index.js'
import { getNetwork, updateNetwork as writeNetwork } from '../db/networks-repo.js'
import {
  deleteRbacPolicy,
  getRbacPolicy,
  insertRbacPolicy,
  listRbacPolicies,
  updateRbacTarget,
  type RbacPolicy,
} from '../db/policies-repo.js'
import { listPorts } from '../db/ports-repo.js'
import {
  DuplicateRbacPolicyError,
  InvalidInputError,
  NetworkNotFoundError,
  RbacPolicyInUseError,
  RbacPolicyNotFoundError,
} from '../errors.js'
import type { Caller, NetworkContext, Tx } from './context.js'

export const RBAC_ACTIONS = ['access_as_shared', 'access_as_external'] as const

export interface RbacInput {
  projectId?: string
  objectType: string
  objectId: string
  action: string
  targetProject: string
}

async function syncFlag(tx: Tx, networkId: string, action: string): Promise<void> {
  const network = await getNetwork(tx, networkId)
  if (!network) return
  const wildcard =
    (await listRbacPolicies(tx, { objectId: networkId, targetProject: '*', action })).length > 0
  const flag = action === 'access_as_shared' ? 'shared' : 'external'
  if (network[flag] !== wildcard) {
    await writeNetwork(
      tx,
      { ...network, [flag]: wildcard, revisionNumber: network.revisionNumber + 1 },
      network.revisionNumber,
    )
  }
}

export async function createRbac(
  ctx: NetworkContext,
  caller: Caller,
  input: RbacInput,
): Promise<RbacPolicy> {
  if (input.objectType !== 'network')
    throw new InvalidInputError(`object_type '${input.objectType}' is not supported`)
  if (!(RBAC_ACTIONS as readonly string[]).includes(input.action)) {
    throw new InvalidInputError(`action '${input.action}' is not one of ${RBAC_ACTIONS.join(', ')}`)
  }
  const network = await getNetwork(ctx.db, input.objectId)
  if (!network || (!caller.isAdmin && network.projectId !== caller.projectId))
    throw new NetworkNotFoundError(input.objectId)
  if (input.action === 'access_as_external' && !caller.isAdmin) throw new ForbiddenError()
  const policy: RbacPolicy = {
    id: ctx.ids.uuid(),
    projectId: input.projectId ?? caller.projectId,
    objectType: 'network',
    objectId: input.objectId,
    action: input.action,
    targetProject: input.targetProject,
  }
  try {
    await ctx.db.transaction().execute(async (tx) => {
      await insertRbacPolicy(tx, policy)
      await syncFlag(tx, policy.objectId, policy.action)
    })
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateRbacPolicyError()
    throw error
  }
  return policy
}

export async function listRbac(ctx: NetworkContext, caller: Caller): Promise<RbacPolicy[]> {
  const all = await listRbacPolicies(ctx.db)
  return caller.isAdmin
    ? all
    : all.filter((p) => p.projectId === caller.projectId || p.targetProject === caller.projectId)
}

export async function getRbac(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
): Promise<RbacPolicy> {
  const policy = await getRbacPolicy(ctx.db, id)
  if (
    !policy ||
    (!caller.isAdmin &&
      policy.projectId !== caller.projectId &&
      policy.targetProject !== caller.projectId)
  ) {
    throw new RbacPolicyNotFoundError(id)
  }
  return policy
}

/** Ports of other projects on the network that this policy lets exist. */
async function dependentPorts(tx: Tx, policy: RbacPolicy): Promise<number> {
  const network = await getNetwork(tx, policy.objectId)
  if (!network || policy.action !== 'access_as_shared') return 0
  const ports = await listPorts(tx, { networkIds: [policy.objectId] })
  return ports.filter(
    (p) =>
      p.projectId !== network.projectId &&
      p.projectId !== '' &&
      (policy.targetProject === '*' || p.projectId === policy.targetProject),
  ).length
}

export async function updateRbac(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
  target: string,
): Promise<RbacPolicy> {
  const policy = await getRbac(ctx, caller, id)
  if (!caller.isAdmin && policy.projectId !== caller.projectId) throw new ForbiddenError()
  await ctx.db.transaction().execute(async (tx) => {
    if ((await dependentPorts(tx, policy)) > 0) throw new RbacPolicyInUseError(policy.objectId)
    await updateRbacTarget(tx, id, target)
    await syncFlag(tx, policy.objectId, policy.action)
  })
  return { ...policy, targetProject: target }
}

export async function deleteRbac(ctx: NetworkContext, caller: Caller, id: string): Promise<void> {
  const policy = await getRbac(ctx, caller, id)
  if (!caller.isAdmin && policy.projectId !== caller.projectId) throw new ForbiddenError()
  await ctx.db.transaction().execute(async (tx) => {
    if ((await dependentPorts(tx, policy)) > 0) throw new RbacPolicyInUseError(policy.objectId)
    await deleteRbacPolicy(tx, id)
    await syncFlag(tx, policy.objectId, policy.action)
  })
}
