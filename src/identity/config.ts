/** @module identity/config: the identity service's settings */
import type { ConfigSpec, ConfigValues } from '../core/config/index.js'

export const identityConfigSpec: ConfigSpec = {
  'identity.token_expiration': {
    kind: 'int',
    default: 3600,
    min: 60,
    max: 30 * 86400,
    help: 'token lifetime in seconds',
  },
  'identity.max_active_keys': {
    kind: 'int',
    default: 3,
    min: 2,
    max: 100,
    help: 'Fernet keys kept (staged + primary + secondary)',
  },
  'identity.password_hash_cost': {
    kind: 'int',
    default: 16,
    min: 10,
    max: 20,
    help: "scrypt cost as log2(N); 16 takes about as long as Keystone's default bcrypt 12",
  },
  'identity.lockout_failure_attempts': {
    kind: 'int',
    default: 2,
    min: 0,
    max: 1000,
    help: 'failed logins before a lockout (0: never)',
  },
  'identity.lockout_duration': {
    kind: 'int',
    default: 5,
    min: 0,
    max: 86400 * 365,
    help: 'seconds a lockout lasts',
  },
  'identity.unique_last_password_count': {
    kind: 'int',
    default: 2,
    min: 0,
    max: 100,
    help: 'recent passwords that may not be reused (0: any)',
  },
  'identity.minimum_password_age': {
    kind: 'int',
    default: 0,
    min: 0,
    max: 3650,
    help: 'days before a user may change their password again',
  },
  'identity.password_expires_days': {
    kind: 'int',
    default: 0,
    min: 0,
    max: 3650,
    help: 'days a password lasts (0: forever)',
  },
  'identity.password_regex': {
    kind: 'string',
    default: '',
    help: 'a regular expression every new password must match',
  },
  'identity.password_regex_description': {
    kind: 'string',
    default: '',
    help: 'what the password regex asks for, in words',
  },
}

/** Typed settings of the identity service. */
export interface IdentityConfig {
  tokenExpirationSeconds: number
  maxActiveKeys: number
  passwordHashCost: number
  lockoutFailureAttempts: number
  lockoutDurationSeconds: number
  uniqueLastPasswordCount: number
  minimumPasswordAgeDays: number
  passwordExpiresDays: number
  passwordRegex?: RegExp
  passwordRegexDescription: string
}

/** Builds the frozen slice from resolved values. */
export function identityConfigFrom(values: ConfigValues): Readonly<IdentityConfig> {
  const regex = String(values['identity.password_regex'] ?? '')
  return Object.freeze({
    tokenExpirationSeconds: Number(values['identity.token_expiration']),
    maxActiveKeys: Number(values['identity.max_active_keys']),
    passwordHashCost: Number(values['identity.password_hash_cost']),
    lockoutFailureAttempts: Number(values['identity.lockout_failure_attempts']),
    lockoutDurationSeconds: Number(values['identity.lockout_duration']),
    uniqueLastPasswordCount: Number(values['identity.unique_last_password_count']),
    minimumPasswordAgeDays: Number(values['identity.minimum_password_age']),
    passwordExpiresDays: Number(values['identity.password_expires_days']),
    ...(regex ? { passwordRegex: new RegExp(regex) } : {}),
    passwordRegexDescription: String(values['identity.password_regex_description'] ?? ''),
  })
}
