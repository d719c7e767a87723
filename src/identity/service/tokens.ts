/** @module identity/service/tokens: issuing, validating and revoking tokens */
import { randomBytes } from 'node:crypto'
import type { AuthIdentity, TokenValidator } from '../../core/auth/index.js'
import { UnauthorizedError } from '../../core/errors/index.js'
import { TokenNotFoundError } from '../errors.js'
import {
  packPayload,
  unpackPayload,
  type AuthMethod,
  type ScopeKind,
  type TokenPayload,
} from '../tokens/token-payload.js'
import type { IdentityContext } from './context.js'
import { isRevoked, revoke } from './revocations.js'
import { buildTokenData, InvalidTokenScopeError, type TokenData } from './token-data.js'

/** How long a validated token is served from memory without rechecking the database. */
const CACHE_MS = 5_000

/** A new audit id: 16 random bytes, url-safe base64, as Keystone makes them. */
export function newAuditId(): string {
  return randomBytes(16).toString('base64url')
}

/** What a new token is for. */
export interface TokenRequest {
  userId: string
  methods: AuthMethod[]
  scope: ScopeKind
  scopeId?: string
  /** Audit chain of the token this one was rescoped from. */
  parentAuditIds?: readonly string[]
  /** Expiry of the parent token, which a rescoped token never outlives. */
  notAfter?: number
  applicationCredentialId?: string
  /** Expiry of the application credential, which the token never outlives. */
  credentialExpiresAt?: number
}

/** An issued token and its data. */
export interface IssuedToken {
  token: string
  payload: TokenPayload
  data: TokenData
}

/** Issues a token; throws 401 when the user has no access to the requested scope. */
export async function issueToken(
  ctx: IdentityContext,
  request: TokenRequest,
): Promise<IssuedToken> {
  const now = ctx.clock.now()
  let expiresAt = now + ctx.config.tokenExpirationSeconds * 1000
  if (request.notAfter !== undefined) expiresAt = Math.min(expiresAt, request.notAfter)
  if (request.credentialExpiresAt !== undefined)
    expiresAt = Math.min(expiresAt, request.credentialExpiresAt)
  const chain = request.parentAuditIds?.length
    ? [request.parentAuditIds[request.parentAuditIds.length - 1] as string]
    : []
  const payload: TokenPayload = {
    userId: request.userId,
    methods: request.methods,
    scope: request.scope,
    ...(request.scopeId ? { scopeId: request.scopeId } : {}),
    issuedAt: now,
    expiresAt,
    auditIds: [newAuditId(), ...chain],
    ...(request.applicationCredentialId
      ? { applicationCredentialId: request.applicationCredentialId }
      : {}),
  }
  let data: TokenData
  try {
    data = await buildTokenData(ctx, payload)
  } catch (error) {
    if (error instanceof InvalidTokenScopeError) throw new UnauthorizedError(scopeMessage(request))
    throw error
  }
  const token = ctx.tokenKeys.encrypt(packPayload(payload), now)
  ctx.state.tokenCache.set(token, {
    generation: ctx.state.generation,
    until: now + CACHE_MS,
    value: { payload, data },
  })
  return { token, payload, data }
}

function scopeMessage(request: TokenRequest): string {
  if (request.scope === 'project')
    return `User ${request.userId} has no access to project ${request.scopeId}`
  if (request.scope === 'domain')
    return `User ${request.userId} has no access to domain ${request.scopeId}`
  if (request.scope === 'system') return `User ${request.userId} has no access to the system`
  return 'The request you have made requires authentication.'
}

/** Decodes a token without checking that it is still valid. */
export function decodeToken(ctx: IdentityContext, token: string): TokenPayload | undefined {
  const plain = ctx.tokenKeys.decrypt(token)
  return plain && unpackPayload(plain)
}

/**
 * Validates a token: authentic, not expired, not revoked, user and scope still valid.
 * Throws TokenNotFoundError (404) otherwise, as Keystone does for a subject token.
 */
export async function validateToken(
  ctx: IdentityContext,
  token: string,
): Promise<{ payload: TokenPayload; data: TokenData }> {
  const now = ctx.clock.now()
  const hit = ctx.state.tokenCache.get(token)
  if (hit && hit.generation === ctx.state.generation && hit.until > now) {
    const value = hit.value as { payload: TokenPayload; data: TokenData }
    if (value.payload.expiresAt > now) return value
  }
  const payload = decodeToken(ctx, token)
  if (!payload || payload.expiresAt <= now) throw new TokenNotFoundError()
  let data: TokenData
  try {
    data = await buildTokenData(ctx, payload)
  } catch (error) {
    if (error instanceof InvalidTokenScopeError) throw new TokenNotFoundError()
    throw error
  }
  const revoked = isRevoked(ctx, {
    userId: payload.userId,
    ...(data.projectId ? { projectId: data.projectId } : {}),
    domainIds: data.domainIds,
    roleIds: data.roleIds,
    auditIds: payload.auditIds,
    issuedAt: payload.issuedAt,
  })
  if (revoked) throw new TokenNotFoundError()
  if (ctx.state.tokenCache.size > 50_000) ctx.state.tokenCache.clear()
  ctx.state.tokenCache.set(token, {
    generation: ctx.state.generation,
    until: now + CACHE_MS,
    value: { payload, data },
  })
  return { payload, data }
}

/** Revokes one token (by its audit id), after checking it is valid. */
export async function revokeToken(ctx: IdentityContext, token: string): Promise<void> {
  const { payload } = await validateToken(ctx, token)
  await revoke(ctx, { auditId: payload.auditIds[0] as string })
}

/** The in-process validator the auth middleware of every local service uses. */
export function localTokenValidator(ctx: IdentityContext): TokenValidator {
  return {
    async validate(token: string): Promise<AuthIdentity> {
      try {
        return (await validateToken(ctx, token)).data.identity
      } catch (error) {
        if (error instanceof TokenNotFoundError)
          throw new UnauthorizedError('The request you have made requires authentication.')
        throw error
      }
    },
  }
}
