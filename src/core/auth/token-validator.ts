/** @module core/auth/token-validator: the contract between the auth middleware and identity */
import type { AuthIdentity } from './request-context.js'

/**
 * Validates tokens for the auth middleware.
 * Implementations must throw an UnauthorizedError (401) for an invalid, expired or revoked
 * token, and must never return an identity for a token the identity service would refuse.
 */
export interface TokenValidator {
  /** The identity a token carries; rejects with a 401 CloudError when it is not valid. */
  validate(token: string): Promise<AuthIdentity>
}

/** Caches positive validations for a short time, as keystonemiddleware does. */
export function cachedTokenValidator(
  inner: TokenValidator,
  options: { ttlMs: number; maxEntries?: number; now?: () => number },
): TokenValidator & { clear(): void } {
  const now = options.now ?? Date.now
  const max = options.maxEntries ?? 10_000
  const cache = new Map<string, { identity: AuthIdentity; until: number }>()
  return {
    clear: () => cache.clear(),
    async validate(token) {
      const hit = cache.get(token)
      const t = now()
      if (hit && hit.until > t && Date.parse(hit.identity.expiresAt) > t) return hit.identity
      const identity = await inner.validate(token)
      if (cache.size >= max) cache.clear()
      cache.set(token, { identity, until: t + options.ttlMs })
      return identity
    },
  }
}
