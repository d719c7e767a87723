/** @module identity/errors: the errors identity use cases throw */
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
} from '../core/errors/index.js'

/** 404 naming the kind and id, as Keystone words it: "Could not find project: x." */
export class IdentityNotFoundError extends NotFoundError {
  constructor(kind: string, id: string) {
    super(`Could not find ${kind}: ${id}.`)
  }
}

/** 409 for a duplicate name or id. */
export class IdentityConflictError extends ConflictError {
  constructor(kind: string, field: string, value: string) {
    super(
      `Conflict occurred attempting to store ${kind} - Duplicate entry found with ${field} ${value}.`,
    )
  }
}

/** 400 for a request the schema accepted but the rules do not. */
export class IdentityValidationError extends BadRequestError {}

/** 401 for failed authentication; the message never says which part was wrong. */
export class AuthenticationError extends UnauthorizedError {
  constructor(message = 'The request you have made requires authentication.') {
    super(message)
  }
}

/** 401 for a locked account. */
export class AccountLockedError extends UnauthorizedError {
  constructor(userId: string) {
    super(`The account is locked for user: ${userId}.`)
  }
}

/** 401 for an expired password. */
export class PasswordExpiredError extends UnauthorizedError {
  constructor(userId: string) {
    super(`The password is expired and needs to be changed for user: ${userId}.`)
  }
}

/** 404 for an invalid or revoked subject token. */
export class TokenNotFoundError extends NotFoundError {
  constructor() {
    super('Failed to validate token')
  }
}

/** 400 for a password that repeats a recent one or changes too soon. */
export class PasswordPolicyError extends BadRequestError {}

/** 403 for an action refused by identity's own rules (not policy). */
export class IdentityForbiddenError extends ForbiddenError {}
