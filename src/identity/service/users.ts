/** @module identity/service/users: users, their passwords and their lifecycle */
import { isUniqueViolation } from '../../core/db/index.js'
import { deleteAppCredentialsOf } from '../db/app-credentials-repo.js'
import { deleteAssignmentsOf } from '../db/assignments-repo.js'
import { deleteCredentialsOfUser } from '../db/credentials-repo.js'
import {
  createUser,
  deleteUser,
  findUserByName,
  listPasswords,
  updateUser,
  type User,
} from '../db/users-repo.js'
import {
  AuthenticationError,
  IdentityConflictError,
  IdentityValidationError,
  PasswordExpiredError,
} from '../errors.js'
import { nowIso, writeTransaction, type IdentityContext } from './context.js'
import { requireDomain, requireUser } from './lookups.js'
import {
  checkMinimumAge,
  checkPasswordHistory,
  checkPasswordStrength,
  checkUserPassword,
  storePassword,
} from './password-checks.js'
import { revoke } from './revocations.js'

export const USER_OPTIONS = [
  'ignore_change_password_upon_first_use',
  'ignore_password_expiry',
  'ignore_lockout_failure_attempts',
  'lock_password',
  'ignore_user_inactivity',
  'multi_factor_auth_rules',
  'multi_factor_auth_enabled',
] as const

export interface UserInput {
  id?: string
  name?: string
  domainId?: string
  enabled?: boolean
  password?: string | null
  defaultProjectId?: string | null
  options?: Record<string, unknown>
  extra?: Record<string, unknown>
}

function checkOptions(options: Record<string, unknown> | undefined): void {
  for (const key of Object.keys(options ?? {})) {
    if (!(USER_OPTIONS as readonly string[]).includes(key))
      throw new IdentityValidationError(`Invalid option for user: ${key}.`)
  }
}

/** The current password's expiry. */
export async function passwordExpiry(ctx: IdentityContext, userId: string): Promise<string | null> {
  const [current] = await listPasswords(ctx.db, userId)
  return current?.expiresAt ?? null
}

export async function createUserIn(
  ctx: IdentityContext,
  input: UserInput,
  callerDomainId: string,
): Promise<User> {
  const domainId = input.domainId ?? callerDomainId
  await requireDomain(ctx, domainId)
  checkOptions(input.options)
  const name = input.name as string
  if (await findUserByName(ctx.db, name, domainId))
    throw new IdentityConflictError('user', 'name', name)
  if (typeof input.password === 'string') checkPasswordStrength(ctx, input.password)
  const user: User = {
    id: input.id ?? ctx.ids.hex(),
    domainId,
    name,
    enabled: input.enabled ?? true,
    defaultProjectId: input.defaultProjectId ?? null,
    extra: input.extra ?? {},
    options: input.options ?? {},
    createdAt: nowIso(ctx),
    lastActiveAt: null,
    failedAuthCount: 0,
    failedAuthAt: null,
  }
  try {
    await writeTransaction(ctx, (db) => createUser(db, user))
  } catch (error) {
    if (isUniqueViolation(error)) throw new IdentityConflictError('user', 'name', name)
    throw error
  }
  if (typeof input.password === 'string') await storePassword(ctx, user, input.password, false)
  return user
}

/** Admin update; a new password or disabling revokes the user's tokens. */
export async function updateUserBy(
  ctx: IdentityContext,
  id: string,
  input: UserInput,
): Promise<User> {
  const current = await requireUser(ctx, id)
  if (input.domainId !== undefined && input.domainId !== current.domainId)
    throw new IdentityValidationError('Cannot change the domain of a user.')
  if (input.id !== undefined && input.id !== id)
    throw new IdentityValidationError('Cannot change the id of a user.')
  checkOptions(input.options)
  if (
    input.name !== undefined &&
    input.name !== current.name &&
    (await findUserByName(ctx.db, input.name, current.domainId))
  ) {
    throw new IdentityConflictError('user', 'name', input.name)
  }
  const options = { ...current.options }
  for (const [key, value] of Object.entries(input.options ?? {})) {
    if (value === null) delete options[key]
    else options[key] = value
  }
  const next: User = {
    ...current,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
    ...(input.defaultProjectId !== undefined ? { defaultProjectId: input.defaultProjectId } : {}),
    options,
    extra: { ...current.extra, ...(input.extra ?? {}) },
  }
  if (typeof input.password === 'string') {
    // As Keystone: history binds self-service changes, not an admin's reset.
    checkPasswordStrength(ctx, input.password)
  }
  await writeTransaction(ctx, (db) => updateUser(db, next))
  if (typeof input.password === 'string') {
    await storePassword(ctx, next, input.password, false)
    await revoke(ctx, { userId: id })
  } else if (current.enabled && !next.enabled) {
    await revoke(ctx, { userId: id })
  }
  return next
}

/** Self-service change: checks the original password, age and history, then revokes old tokens. */
export async function changeOwnPassword(
  ctx: IdentityContext,
  id: string,
  original: string,
  password: string,
): Promise<void> {
  const user = await requireUser(ctx, id)
  if (user.options['lock_password'] === true)
    throw new IdentityValidationError(
      'You cannot change your password at this time due to password policy disallowing password changes.',
    )
  try {
    await checkUserPassword(ctx, user, original)
  } catch (error) {
    // As Keystone: an expired password is exactly the one a user must be able to replace.
    if (!(error instanceof PasswordExpiredError)) throw error
  }
  if (!user.enabled) throw new AuthenticationError(`The account is disabled for user: ${user.id}.`)
  checkPasswordStrength(ctx, password)
  await checkMinimumAge(ctx, id)
  await checkPasswordHistory(ctx, id, password)
  await storePassword(ctx, user, password, true)
  await revoke(ctx, { userId: id })
}

export async function removeUser(ctx: IdentityContext, id: string): Promise<void> {
  await requireUser(ctx, id)
  await writeTransaction(ctx, async (db) => {
    await deleteAssignmentsOf(db, id)
    await deleteAppCredentialsOf(db, id)
    await deleteCredentialsOfUser(db, id)
    await deleteUser(db, id)
  })
  await revoke(ctx, { userId: id })
}
