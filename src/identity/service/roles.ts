/** @module identity/service/roles: roles and implied-role rules */
import {
  createImpliedRule,
  createRole,
  deleteImpliedRule,
  deleteRole,
  findRoleByName,
  getRole,
  listImpliedRules,
  updateRole,
  type Role,
} from '../db/roles-repo.js'
import {
  IdentityConflictError,
  IdentityForbiddenError,
  IdentityNotFoundError,
  IdentityValidationError,
} from '../errors.js'
import { listAssignments } from '../db/assignments-repo.js'
import { listUserIdsInGroup } from '../db/groups-repo.js'
import { writeTransaction, type IdentityContext } from './context.js'
import { requireDomain } from './lookups.js'
import { revoke } from './revocations.js'

export interface RoleInput {
  id?: string
  name?: string
  domainId?: string | null
  description?: string
  options?: Record<string, unknown>
  extra?: Record<string, unknown>
}

export async function requireRole(ctx: IdentityContext, id: string): Promise<Role> {
  const role = await getRole(ctx.db, id)
  if (!role) throw new IdentityNotFoundError('role', id)
  return role
}

function checkOptions(options: Record<string, unknown> | undefined): void {
  for (const key of Object.keys(options ?? {})) {
    if (key !== 'immutable') throw new IdentityValidationError(`Invalid option for role: ${key}.`)
  }
}

export async function createRoleIn(ctx: IdentityContext, input: RoleInput): Promise<Role> {
  const domainId = input.domainId ?? null
  if (domainId !== null) {
    await requireDomain(ctx, domainId)
  }
  checkOptions(input.options)
  const name = input.name as string
  if (await findRoleByName(ctx.db, name, domainId))
    throw new IdentityConflictError('role', 'name', name)
  const role: Role = {
    id: input.id ?? ctx.ids.hex(),
    name,
    domainId,
    description: input.description ?? '',
    options: input.options ?? {},
    extra: input.extra ?? {},
  }
  await writeTransaction(ctx, (db) => createRole(db, role))
  return role
}

function assertMutable(role: Role): void {
  if (role.options['immutable'] === true)
    throw new IdentityForbiddenError(`Cannot modify or delete the immutable role ${role.id}.`)
}

export async function updateRoleBy(
  ctx: IdentityContext,
  id: string,
  input: RoleInput,
): Promise<Role> {
  const current = await requireRole(ctx, id)
  checkOptions(input.options)
  const becomingMutable =
    input.options?.['immutable'] === false || input.options?.['immutable'] === null
  if (!becomingMutable) assertMutable(current)
  if (input.domainId !== undefined && input.domainId !== current.domainId)
    throw new IdentityValidationError('Cannot change the domain of a role.')
  if (
    input.name !== undefined &&
    input.name !== current.name &&
    (await findRoleByName(ctx.db, input.name, current.domainId))
  ) {
    throw new IdentityConflictError('role', 'name', input.name)
  }
  const options = { ...current.options }
  for (const [k, v] of Object.entries(input.options ?? {})) {
    if (v === null) delete options[k]
    else options[k] = v
  }
  const next: Role = {
    ...current,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    options,
    extra: { ...current.extra, ...(input.extra ?? {}) },
  }
  await writeTransaction(ctx, (db) => updateRole(db, next))
  return next
}

export async function removeRole(ctx: IdentityContext, id: string): Promise<void> {
  const role = await requireRole(ctx, id)
  assertMutable(role)
  const holders = await listAssignments(ctx.db, { roleIds: [id] })
  await writeTransaction(ctx, (db) => deleteRole(db, id))
  // As Keystone: tokens that carried the role are revoked, not merely stripped of it.
  const revoked = new Set<string>()
  for (const a of holders) {
    const users = a.type.startsWith('User')
      ? [a.actorId]
      : await listUserIdsInGroup(ctx.db, a.actorId)
    const onProject = a.type.endsWith('Project') && !a.inherited ? a.targetId : undefined
    for (const userId of users) {
      const key = `${userId}|${onProject ?? ''}`
      if (revoked.has(key)) continue
      revoked.add(key)
      await revoke(ctx, { userId, ...(onProject ? { projectId: onProject } : {}) })
    }
  }
}

export async function addImpliedRole(
  ctx: IdentityContext,
  priorId: string,
  impliedId: string,
): Promise<{ prior: Role; implied: Role }> {
  const prior = await requireRole(ctx, priorId)
  const implied = await requireRole(ctx, impliedId)
  if (implied.domainId !== null && prior.domainId === null) {
    throw new IdentityForbiddenError(
      `A global role cannot imply the domain-specific role ${implied.id}.`,
    )
  }
  if (priorId === impliedId) throw new IdentityForbiddenError('A role cannot imply itself.')
  const rules = await listImpliedRules(ctx.db)
  // Refuse cycles: the implied role must not (transitively) imply the prior one.
  const seen = new Set<string>()
  const stack = [impliedId]
  while (stack.length > 0) {
    const current = stack.pop() as string
    if (current === priorId)
      throw new IdentityForbiddenError(
        `Implying ${impliedId} from ${priorId} would create a cycle.`,
      )
    if (seen.has(current)) continue
    seen.add(current)
    for (const r of rules) if (r.priorRoleId === current) stack.push(r.impliedRoleId)
  }
  if (!rules.some((r) => r.priorRoleId === priorId && r.impliedRoleId === impliedId)) {
    await writeTransaction(ctx, (db) =>
      createImpliedRule(db, { priorRoleId: priorId, impliedRoleId: impliedId }),
    )
  }
  return { prior, implied }
}

export async function getImpliedRole(
  ctx: IdentityContext,
  priorId: string,
  impliedId: string,
): Promise<{ prior: Role; implied: Role }> {
  const prior = await requireRole(ctx, priorId)
  const implied = await requireRole(ctx, impliedId)
  const rules = await listImpliedRules(ctx.db, priorId)
  if (!rules.some((r) => r.impliedRoleId === impliedId))
    throw new IdentityNotFoundError('implied role', `${priorId} implies ${impliedId}`)
  return { prior, implied }
}

export async function removeImpliedRole(
  ctx: IdentityContext,
  priorId: string,
  impliedId: string,
): Promise<void> {
  await getImpliedRole(ctx, priorId, impliedId)
  await writeTransaction(ctx, (db) =>
    deleteImpliedRule(db, { priorRoleId: priorId, impliedRoleId: impliedId }),
  )
}
