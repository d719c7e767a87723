/** @module network/service/security-groups: groups, rules and each project's `default` group */
import { ForbiddenError } from '../../core/errors/index.js'
import { isUniqueViolation } from '../../core/db/index.js'
import { portsInSecurityGroup } from '../db/ports-repo.js'
import {
  defaultGroupOf,
  deleteRule,
  deleteSecurityGroup,
  findRuleByFingerprint,
  getRule,
  getSecurityGroup,
  insertDefaultGroup,
  insertRule,
  insertSecurityGroup,
  listRules,
  listSecurityGroups,
  updateSecurityGroup as writeGroup,
  type SecurityGroup,
  type SecurityGroupRule,
} from '../db/security-groups-repo.js'
import { dropTags, setTags } from '../db/standard-attrs.js'
import {
  SecurityGroupCannotRemoveDefaultError,
  SecurityGroupDefaultAlreadyExistsError,
  SecurityGroupInUseError,
  SecurityGroupNotFoundError,
  SecurityGroupRuleExistsError,
  SecurityGroupRuleNotFoundError,
} from '../errors.js'
import { now, type Caller, type NetworkContext, type Tx } from './context.js'
import { checkQuota } from './quotas.js'
import { assertWritten, bumped, checkRevision } from './revisions.js'
import { normalizeRule, type RuleInput } from './security-group-rules.js'

function newGroup(
  ctx: NetworkContext,
  projectId: string,
  name: string,
  description: string,
): SecurityGroup {
  const at = now(ctx)
  return {
    id: ctx.ids.uuid(),
    projectId,
    name,
    description,
    revisionNumber: 1,
    createdAt: at,
    updatedAt: at,
    tags: [],
    stateful: true,
  }
}

function newRule(
  ctx: NetworkContext,
  group: SecurityGroup,
  rule: Omit<
    SecurityGroupRule,
    'id' | 'projectId' | 'securityGroupId' | 'revisionNumber' | 'createdAt' | 'updatedAt'
  >,
  projectId = group.projectId,
): SecurityGroupRule {
  const at = now(ctx)
  return {
    ...rule,
    id: ctx.ids.uuid(),
    projectId,
    securityGroupId: group.id,
    revisionNumber: 0,
    createdAt: at,
    updatedAt: at,
  }
}

/** The project's `default` group, made with Neutron's four rules on first use. Race-free. */
export async function ensureDefaultGroup(ctx: NetworkContext, projectId: string): Promise<string> {
  const existing = await defaultGroupOf(ctx.db, projectId)
  if (existing) return existing
  const group = newGroup(ctx, projectId, 'default', 'Default security group')
  try {
    await ctx.db.transaction().execute(async (tx) => {
      await insertDefaultGroup(tx, projectId, group.id)
      await insertSecurityGroup(tx, group)
      for (const ethertype of ['IPv4', 'IPv6']) {
        for (const direction of ['ingress', 'egress']) {
          const remoteGroupId = direction === 'ingress' ? group.id : null
          const normalized = normalizeRule({
            direction,
            ethertype,
            remoteGroupId,
            securityGroupId: group.id,
          })
          await insertRule(tx, newRule(ctx, group, { ...normalized, description: '' }))
        }
      }
    })
    return group.id
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
    return (await defaultGroupOf(ctx.db, projectId)) as string
  }
}

function visible(caller: Caller, group: SecurityGroup | undefined, id: string): SecurityGroup {
  if (!group || (!caller.isAdmin && group.projectId !== caller.projectId))
    throw new SecurityGroupNotFoundError(id)
  return group
}

export async function createSecurityGroup(
  ctx: NetworkContext,
  caller: Caller,
  input: {
    projectId?: string
    name?: string
    description?: string
    stateful?: boolean
    tags?: string[]
  },
): Promise<SecurityGroup> {
  const projectId = input.projectId ?? caller.projectId
  await ensureDefaultGroup(ctx, projectId)
  if (input.name === 'default') throw new SecurityGroupDefaultAlreadyExistsError()
  const group = {
    ...newGroup(ctx, projectId, input.name ?? '', input.description ?? ''),
    stateful: input.stateful ?? true,
    tags: input.tags ?? [],
  }
  await ctx.db.transaction().execute(async (tx) => {
    await checkQuota(ctx, tx, projectId, 'security_group')
    await insertSecurityGroup(tx, group)
    await setTags(tx, group.id, group.tags)
    for (const ethertype of ['IPv4', 'IPv6']) {
      const normalized = normalizeRule({
        direction: 'egress',
        ethertype,
        securityGroupId: group.id,
      })
      await insertRule(tx, newRule(ctx, group, { ...normalized, description: '' }))
    }
  })
  return group
}

/**
 * Groups the caller may see. As Neutron, the caller's project gets its `default` group first, and
 * so does the project an admin filters on (`project_id`), whose group it may be about to use.
 */
export async function listGroups(
  ctx: NetworkContext,
  caller: Caller,
  ids?: string[],
  filteredProject?: string,
): Promise<SecurityGroup[]> {
  await ensureDefaultGroup(ctx, caller.projectId)
  if (caller.isAdmin && filteredProject && filteredProject !== caller.projectId) {
    await ensureDefaultGroup(ctx, filteredProject)
  }
  return listSecurityGroups(ctx.db, {
    ...(caller.isAdmin ? {} : { projectId: caller.projectId }),
    ...(ids ? { ids } : {}),
  })
}

export async function getGroup(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
): Promise<SecurityGroup> {
  return visible(caller, await getSecurityGroup(ctx.db, id), id)
}

/** Rules of the given groups, for the view. */
export async function rulesOf(
  ctx: NetworkContext,
  groupIds: string[],
): Promise<Map<string, SecurityGroupRule[]>> {
  const out = new Map<string, SecurityGroupRule[]>()
  for (const r of await listRules(ctx.db, { groupIds })) {
    out.set(r.securityGroupId, [...(out.get(r.securityGroupId) ?? []), r])
  }
  return out
}

export async function updateGroup(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
  update: { name?: string; description?: string; stateful?: boolean },
  ifMatch?: number,
): Promise<SecurityGroup> {
  const group = await getGroup(ctx, caller, id)
  checkRevision(group, ifMatch)
  if (
    update.name !== undefined &&
    update.name !== group.name &&
    (group.name === 'default' || update.name === 'default')
  ) {
    throw new SecurityGroupDefaultAlreadyExistsError()
  }
  const next = bumped(ctx, group, update)
  assertWritten(await writeGroup(ctx.db, next, group.revisionNumber), 'Security group')
  return next
}

export async function deleteGroup(ctx: NetworkContext, caller: Caller, id: string): Promise<void> {
  const group = await getGroup(ctx, caller, id)
  if (group.name === 'default' && !caller.isAdmin) throw new SecurityGroupCannotRemoveDefaultError()
  await ctx.db.transaction().execute(async (tx) => {
    if ((await portsInSecurityGroup(tx, id)).length > 0) throw new SecurityGroupInUseError(id)
    await deleteSecurityGroup(tx, id)
    await dropTags(tx, id)
  })
}

export async function createRule(
  ctx: NetworkContext,
  caller: Caller,
  input: RuleInput,
): Promise<SecurityGroupRule> {
  const group = await getGroup(ctx, caller, input.securityGroupId)
  if (input.remoteGroupId) {
    const remote = await getSecurityGroup(ctx.db, input.remoteGroupId)
    if (!remote || (!caller.isAdmin && remote.projectId !== caller.projectId)) {
      throw new SecurityGroupNotFoundError(input.remoteGroupId)
    }
  }
  const normalized = normalizeRule(input)
  const rule = newRule(
    ctx,
    group,
    { ...normalized, description: input.description ?? '' },
    input.projectId ?? group.projectId,
  )
  try {
    await ctx.db.transaction().execute(async (tx: Tx) => {
      const duplicate = await findRuleByFingerprint(tx, group.id, rule.fingerprint)
      if (duplicate) throw new SecurityGroupRuleExistsError(duplicate.id)
      await checkQuota(ctx, tx, rule.projectId, 'security_group_rule')
      await insertRule(tx, rule)
    })
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
    const duplicate = await findRuleByFingerprint(ctx.db, group.id, rule.fingerprint)
    throw new SecurityGroupRuleExistsError(duplicate?.id ?? '')
  }
  for (const d of ctx.drivers) await d.securityGroupPostcommit?.(group.id)
  return rule
}

export async function listAllRules(
  ctx: NetworkContext,
  caller: Caller,
): Promise<SecurityGroupRule[]> {
  if (caller.isAdmin) return listRules(ctx.db)
  const groups = await listGroups(ctx, caller)
  return listRules(ctx.db, { groupIds: groups.map((g) => g.id) })
}

export async function getGroupRule(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
): Promise<SecurityGroupRule> {
  const rule = await getRule(ctx.db, id)
  if (!rule) throw new SecurityGroupRuleNotFoundError(id)
  const group = await getSecurityGroup(ctx.db, rule.securityGroupId)
  if (
    !caller.isAdmin &&
    rule.projectId !== caller.projectId &&
    group?.projectId !== caller.projectId
  ) {
    throw new SecurityGroupRuleNotFoundError(id)
  }
  return rule
}

export async function deleteGroupRule(
  ctx: NetworkContext,
  caller: Caller,
  id: string,
): Promise<void> {
  const rule = await getGroupRule(ctx, caller, id)
  if (!caller.isAdmin && rule.projectId !== caller.projectId) throw new ForbiddenError()
  await deleteRule(ctx.db, id)
  for (const d of ctx.drivers) await d.securityGroupPostcommit?.(rule.securityGroupId)
}
