/** @module identity/tokens/token-payload: what a token carries, packed small */

export const AUTH_METHODS = ['password', 'token', 'application_credential', 'totp'] as const
export type AuthMethod = (typeof AUTH_METHODS)[number]

export const SCOPE_KINDS = ['unscoped', 'project', 'domain', 'system'] as const
export type ScopeKind = (typeof SCOPE_KINDS)[number]

/** The facts sealed in a token; everything else is looked up at validation. */
export interface TokenPayload {
  userId: string
  methods: AuthMethod[]
  scope: ScopeKind
  /** Project or domain id, or `all` for system scope. */
  scopeId?: string
  issuedAt: number
  expiresAt: number
  /** This token's audit id first, then the one of the token it was rescoped from. */
  auditIds: string[]
  applicationCredentialId?: string
}

const FORMAT = 1

/** Serializes a payload to bytes. */
export function packPayload(p: TokenPayload): Buffer {
  const methods = p.methods.reduce((bits, m) => bits | (1 << AUTH_METHODS.indexOf(m)), 0)
  const packed = [
    FORMAT,
    p.userId,
    methods,
    SCOPE_KINDS.indexOf(p.scope),
    p.scopeId ?? '',
    p.issuedAt,
    p.expiresAt,
    p.auditIds,
    p.applicationCredentialId ?? '',
  ]
  return Buffer.from(JSON.stringify(packed))
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}

/** Reads a payload back; undefined for anything that is not one. */
export function unpackPayload(bytes: Buffer): TokenPayload | undefined {
  let data: unknown
  try {
    data = JSON.parse(bytes.toString('utf8'))
  } catch {
    return undefined
  }
  if (!Array.isArray(data) || data[0] !== FORMAT || data.length !== 9) return undefined
  const [, userId, bits, scopeIndex, scopeId, issuedAt, expiresAt, auditIds, appCred] =
    data as unknown[]
  const scope = SCOPE_KINDS[Number(scopeIndex)]
  if (
    typeof userId !== 'string' ||
    typeof bits !== 'number' ||
    !scope ||
    typeof scopeId !== 'string'
  )
    return undefined
  if (typeof issuedAt !== 'number' || typeof expiresAt !== 'number' || !isStringArray(auditIds))
    return undefined
  if (typeof appCred !== 'string') return undefined
  const methods = AUTH_METHODS.filter((_, i) => (bits & (1 << i)) !== 0)
  return {
    userId,
    methods,
    scope,
    ...(scopeId ? { scopeId } : {}),
    issuedAt,
    expiresAt,
    auditIds,
    ...(appCred ? { applicationCredentialId: appCred } : {}),
  }
}
