/** @module identity/service/app-credentials: application credentials, created from a project-scoped token */
import type { AuthIdentity } from '../../core/auth/index.js'
import { isUniqueViolation } from '../../core/db/index.js'
import { randomSecret } from '../../core/ids/index.js'
import {
  createAppCredential,
  deleteAppCredential,
  getAppCredential,
  listAppCredentials,
  type AppCredential,
} from '../db/app-credentials-repo.js'
import { findRoleByName, getRole, listRoles, type Role } from '../db/roles-repo.js'
import {
  IdentityConflictError,
  IdentityForbiddenError,
  IdentityNotFoundError,
  IdentityValidationError,
} from '../errors.js'
import { nowIso, writeTransaction, type IdentityContext } from './context.js'
import { requireUser } from './lookups.js'
import { hashPassword } from './password-hash.js'
import { normalizeTimestamp, timestampMs } from './timestamps.js'

export interface AppCredentialInput {
  name: string
  secret?: string
  description?: string | null
  expiresAt?: string | null
  roles?: { id?: string; name?: string; domain_id?: string | null }[]
  unrestricted?: boolean
}

/** Secrets are hashed at a lower cost than passwords: they are long random strings. */
const SECRET_HASH_COST = 12

async function resolveRole(
  ctx: IdentityContext,
  ref: { id?: string; name?: string; domain_id?: string | null },
): Promise<Role> {
  const role =
    ref.id !== undefined
      ? await getRole(ctx.db, ref.id)
      : ref.name !== undefined
        ? await findRoleByName(ctx.db, ref.name, ref.domain_id ?? null)
        : undefined
  if (!role) throw new IdentityNotFoundError('role', ref.id ?? ref.name ?? '')
  return role
}

/** Creates a credential for the caller on the caller's project; returns it with its secret. */
export async function createAppCredentialFor(
  ctx: IdentityContext,
  caller: AuthIdentity,
  userId: string,
  input: AppCredentialInput,
): Promise<{ credential: AppCredential; secret: string }> {
  await requireUser(ctx, userId)
  if (caller.userId !== userId)
    throw new IdentityForbiddenError('Application credentials can only be created for yourself.')
  if (!caller.projectId)
    throw new IdentityForbiddenError('Application credentials need a project-scoped token.')
  if (caller.applicationCredentialId && !caller.unrestricted) {
    throw new IdentityForbiddenError(
      'Using a restricted application credential to create more application credentials is not allowed.',
    )
  }
  const tokenRoleIds = new Set(caller.roleIds)
  const roles = input.roles?.length
    ? await Promise.all(input.roles.map((r) => resolveRole(ctx, r)))
    : await listRoles(ctx.db, { ids: [...tokenRoleIds] })
  for (const role of roles) {
    if (!tokenRoleIds.has(role.id))
      throw new IdentityForbiddenError(
        `Cannot create an application credential with role ${role.id}: the token does not have it.`,
      )
  }
  const expiresAt = input.expiresAt ? normalizeTimestamp(input.expiresAt, 'expires_at') : null
  if (expiresAt && timestampMs(expiresAt) <= ctx.clock.now())
    throw new IdentityValidationError(
      'The expiration time of an application credential must be in the future.',
    )
  if ((await listAppCredentials(ctx.db, { userId, name: input.name })).length > 0) {
    throw new IdentityConflictError('application credential', 'name', input.name)
  }
  const secret = input.secret ?? randomSecret(48)
  const credential: AppCredential = {
    id: ctx.ids.hex(),
    name: input.name,
    secretHash: await hashPassword(secret, SECRET_HASH_COST),
    description: input.description ?? null,
    userId,
    projectId: caller.projectId,
    expiresAt,
    unrestricted: input.unrestricted ?? false,
    createdAt: nowIso(ctx),
    roleIds: [...new Set(roles.map((r) => r.id))],
  }
  try {
    await writeTransaction(ctx, (db) => createAppCredential(db, credential))
  } catch (error) {
    if (isUniqueViolation(error))
      throw new IdentityConflictError('application credential', 'name', input.name)
    throw error
  }
  return { credential, secret }
}

export async function requireAppCredential(
  ctx: IdentityContext,
  userId: string,
  id: string,
): Promise<AppCredential> {
  const credential = await getAppCredential(ctx.db, id)
  if (!credential || credential.userId !== userId)
    throw new IdentityNotFoundError('application credential', id)
  return credential
}

export async function listAppCredentialsOf(
  ctx: IdentityContext,
  userId: string,
  name?: string,
): Promise<AppCredential[]> {
  await requireUser(ctx, userId)
  return listAppCredentials(ctx.db, { userId, ...(name !== undefined ? { name } : {}) })
}

export async function removeAppCredential(
  ctx: IdentityContext,
  userId: string,
  id: string,
): Promise<void> {
  await requireAppCredential(ctx, userId, id)
  // Tokens made from it fail validation once it is gone.
  await writeTransaction(ctx, (db) => deleteAppCredential(db, id))
}
