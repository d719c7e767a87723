/** @module identity/service/password-checks: lockout, expiry and history rules ([security_compliance]) */
import {
  addPassword,
  listPasswords,
  prunePasswords,
  setAuthFailures,
  type User,
} from '../db/users-repo.js'
import {
  AccountLockedError,
  AuthenticationError,
  IdentityValidationError,
  PasswordExpiredError,
  PasswordPolicyError,
} from '../errors.js'
import { writeTransaction, type IdentityContext } from './context.js'
import { hashPassword, verifyPassword } from './password-hash.js'

const DAY_MS = 86_400_000

function option(user: User, name: string): boolean {
  return user.options[name] === true
}

/** True while the user is locked out after too many failures. */
export function isLockedOut(ctx: IdentityContext, user: User): boolean {
  const attempts = ctx.config.lockoutFailureAttempts
  if (attempts <= 0 || option(user, 'ignore_lockout_failure_attempts') || !user.failedAuthAt)
    return false
  const until = Date.parse(user.failedAuthAt) + ctx.config.lockoutDurationSeconds * 1000
  return user.failedAuthCount >= attempts && until > ctx.clock.now()
}

/**
 * Checks a user's password, applying lockout and expiry. Counts failures; clears them on success.
 * Throws 401 in every failing case.
 */
export async function checkUserPassword(
  ctx: IdentityContext,
  user: User,
  password: string,
): Promise<void> {
  if (isLockedOut(ctx, user)) throw new AccountLockedError(user.id)
  const [current] = await listPasswords(ctx.db, user.id)
  const ok = current !== undefined && (await verifyPassword(password, current.hash))
  const now = ctx.clock.now()
  if (!ok) {
    const lockExpired =
      user.failedAuthAt !== null &&
      Date.parse(user.failedAuthAt) + ctx.config.lockoutDurationSeconds * 1000 <= now
    const count =
      (lockExpired && user.failedAuthCount >= ctx.config.lockoutFailureAttempts
        ? 0
        : user.failedAuthCount) + 1
    await setAuthFailures(ctx.db, user.id, count, new Date(now).toISOString())
    throw new AuthenticationError('The request you have made requires authentication.')
  }
  if (
    current.expiresAt &&
    Date.parse(current.expiresAt) <= now &&
    !option(user, 'ignore_password_expiry')
  ) {
    throw new PasswordExpiredError(user.id)
  }
  if (user.failedAuthCount !== 0 || user.failedAuthAt !== null)
    await setAuthFailures(ctx.db, user.id, 0, null)
}

/** Rejects a new password that breaks the configured regex. */
export function checkPasswordStrength(ctx: IdentityContext, password: string): void {
  const regex = ctx.config.passwordRegex
  if (regex && !regex.test(password)) {
    const detail = ctx.config.passwordRegexDescription || `it must match ${String(regex)}`
    throw new IdentityValidationError(
      `Password validation error: The password does not meet the requirements: ${detail}.`,
    )
  }
}

/** Rejects a password equal to one of the last `unique_last_password_count` (the current included). */
export async function checkPasswordHistory(
  ctx: IdentityContext,
  userId: string,
  password: string,
): Promise<void> {
  const count = ctx.config.uniqueLastPasswordCount
  if (count <= 0) return
  const recent = (await listPasswords(ctx.db, userId)).slice(0, count)
  for (const record of recent) {
    if (await verifyPassword(password, record.hash)) {
      throw new PasswordPolicyError(
        `The new password cannot be identical to a previous password. The total number which includes the new password must be unique is ${count}.`,
      )
    }
  }
}

/** Refuses a self-service change sooner than `minimum_password_age` days after the last. */
export async function checkMinimumAge(ctx: IdentityContext, userId: string): Promise<void> {
  const days = ctx.config.minimumPasswordAgeDays
  if (days <= 0) return
  const [current] = await listPasswords(ctx.db, userId)
  if (current && Date.parse(current.createdAt) + days * DAY_MS > ctx.clock.now()) {
    throw new PasswordPolicyError(
      `Cannot change password before minimum age ${days} days is reached.`,
    )
  }
}

/** Stores a new current password, with expiry when configured, keeping enough history. */
export async function storePassword(
  ctx: IdentityContext,
  user: User,
  password: string,
  selfService: boolean,
): Promise<void> {
  const hash = await hashPassword(password, ctx.config.passwordHashCost)
  const now = ctx.clock.now()
  const expires =
    ctx.config.passwordExpiresDays > 0 && !option(user, 'ignore_password_expiry')
      ? new Date(now + ctx.config.passwordExpiresDays * DAY_MS).toISOString()
      : null
  await writeTransaction(ctx, async (db) => {
    // The newest row is the current password: keep creation times strictly increasing, even
    // for two changes in one millisecond or after the clock stepped back.
    const [latest] = await listPasswords(db, user.id)
    const createdAt = latest ? Math.max(now, Date.parse(latest.createdAt) + 1) : now
    await addPassword(db, user.id, {
      id: ctx.ids.hex(),
      hash,
      createdAt: new Date(createdAt).toISOString(),
      expiresAt: expires,
      selfService,
    })
    await prunePasswords(db, user.id, Math.max(ctx.config.uniqueLastPasswordCount, 1))
  })
}
