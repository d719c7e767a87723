/** @module core/auth/policy-credentials: maps a token's identity to policy credentials */
import type { PolicyCredentials } from '../policy/index.js'
import type { AuthIdentity } from './request-context.js'

/** The credentials a policy rule sees for an authenticated caller. */
export function policyCredentials(identity: AuthIdentity): PolicyCredentials {
  return {
    userId: identity.userId,
    userDomainId: identity.userDomainId,
    roles: identity.roles,
    ...(identity.projectId ? { projectId: identity.projectId } : {}),
    ...(identity.projectDomainId ? { projectDomainId: identity.projectDomainId } : {}),
    ...(identity.domainId ? { domainId: identity.domainId } : {}),
    ...(identity.systemScope ? { systemScope: identity.systemScope } : {}),
  }
}
