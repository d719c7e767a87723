/** @module object-storage/proxy/keystone-auth: Swift's keystoneauth rules (owners, resellers, ACLs) */
import type { AuthIdentity } from '../../core/auth/index.js'
import { SwiftError } from '../errors.js'
import { header, type ProxyContext, type SwiftRequest } from './context.js'

/** Whether the caller owns the account or is a reseller admin acting on it. */
export function isAccountAdmin(ctx: ProxyContext, request: SwiftRequest): boolean {
  const identity = request.identity
  if (!identity) return false
  if (isResellerAdmin(ctx, identity)) return true
  const { resellerPrefix, operatorRoles } = ctx.config
  if (!request.account.startsWith(resellerPrefix)) return false
  const project = request.account.slice(resellerPrefix.length)
  return (
    identity.projectId === project && identity.roles.some((role) => operatorRoles.includes(role))
  )
}

export function isResellerAdmin(ctx: ProxyContext, identity: AuthIdentity | undefined): boolean {
  return identity?.roles.includes(ctx.config.resellerAdminRole) === true
}

/** The entries of an ACL header (`a:b, .r:*, .rlistings`). */
export function parseAcl(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
}

/** Whether an ACL grants the caller (a referrer rule, a project:user grant or a role). */
export function aclGrants(
  acl: readonly string[],
  request: SwiftRequest,
  options: { listing: boolean },
): boolean {
  const referrers = acl.filter((e) => e.startsWith('.r:')).map((e) => e.slice(3))
  const referrerOk = referrers.some(
    (r) => r === '*' || matchesReferrer(r, header(request, 'referer')),
  )
  if (referrerOk && (!options.listing || acl.includes('.rlistings'))) return true
  const identity = request.identity
  if (!identity) return false
  const projects = ['*', identity.projectId, identity.projectName].filter(Boolean)
  const users = ['*', identity.userId, identity.userName]
  for (const entry of acl) {
    if (entry.startsWith('.')) continue
    const at = entry.indexOf(':')
    if (at < 0) {
      if (identity.roles.includes(entry)) return true
      continue
    }
    const project = entry.slice(0, at)
    const user = entry.slice(at + 1)
    if (projects.includes(project) && users.includes(user)) return true
  }
  return false
}

function matchesReferrer(rule: string, referer: string | undefined): boolean {
  if (!referer) return false
  let host: string
  try {
    host = new URL(referer).hostname
  } catch {
    return false
  }
  const negate = rule.startsWith('-')
  const pattern = negate ? rule.slice(1) : rule
  const match = pattern.startsWith('.') ? host.endsWith(pattern) : host === pattern
  return negate ? false : match
}

/** 401 for anonymous callers, 403 for known ones. */
export function denied(request: SwiftRequest): SwiftError {
  return request.identity ? new SwiftError(403) : new SwiftError(401)
}

/** Requires the account's owner (or a reseller admin); `allowAnonymousTempUrl` for TempURLs. */
export function requireAccountAdmin(ctx: ProxyContext, request: SwiftRequest): void {
  if (request.tempUrl) return
  if (!request.account.startsWith(ctx.config.resellerPrefix)) throw denied(request)
  if (!isAccountAdmin(ctx, request)) throw denied(request)
}

/** Requires the owner, or a grant of the container's read or write ACL. */
export function requireContainerAccess(
  ctx: ProxyContext,
  request: SwiftRequest,
  access: { acl: string | undefined; listing: boolean },
): void {
  if (request.tempUrl) return
  if (isAccountAdmin(ctx, request)) return
  if (aclGrants(parseAcl(access.acl), request, { listing: access.listing })) return
  throw denied(request)
}
