/** @module identity/service/token-data: turns a token payload into the token body and the caller's identity */
import type { AuthIdentity } from '../../core/auth/index.js'
import { getAppCredential } from '../db/app-credentials-repo.js'
import { getProject, type Project } from '../db/projects-repo.js'
import { getUser, listPasswords, type User } from '../db/users-repo.js'
import type { Role } from '../db/roles-repo.js'
import type { TokenPayload } from '../tokens/token-payload.js'
import { buildCatalog, type CatalogEntry } from './catalog-view.js'
import type { IdentityContext } from './context.js'
import {
  assignedDomainRoleIds,
  assignedProjectRoleIds,
  assignedSystemRoleIds,
  tokenRoles,
} from './effective-roles.js'
import { isoMicro } from '../../core/clock/index.js'

/** Why a payload does not make a valid token (user gone, no roles left, ...). */
export class InvalidTokenScopeError extends Error {}

/** A validated token: its JSON body (without catalog) and the identity for policy checks. */
export interface TokenData {
  body: Record<string, unknown>
  identity: AuthIdentity
  scoped: boolean
  roleIds: string[]
  domainIds: string[]
  projectId?: string
}

interface NamedRef {
  id: string
  name: string
}

async function enabledDomain(ctx: IdentityContext, id: string): Promise<NamedRef> {
  const domain = await getProject(ctx.db, id)
  if (!domain || !domain.isDomain) throw new InvalidTokenScopeError(`domain ${id} does not exist`)
  if (!domain.enabled) throw new InvalidTokenScopeError(`domain ${id} is disabled`)
  return { id: domain.id, name: domain.name }
}

async function enabledUser(
  ctx: IdentityContext,
  id: string,
): Promise<{ user: User; domain: NamedRef }> {
  const user = await getUser(ctx.db, id)
  if (!user) throw new InvalidTokenScopeError(`user ${id} does not exist`)
  if (!user.enabled) throw new InvalidTokenScopeError(`user ${id} is disabled`)
  return { user, domain: await enabledDomain(ctx, user.domainId) }
}

async function enabledProject(
  ctx: IdentityContext,
  id: string,
): Promise<{ project: Project; domain: NamedRef }> {
  const project = await getProject(ctx.db, id)
  if (!project || project.isDomain) throw new InvalidTokenScopeError(`project ${id} does not exist`)
  if (!project.enabled) throw new InvalidTokenScopeError(`project ${id} is disabled`)
  return { project, domain: await enabledDomain(ctx, project.domainId as string) }
}

/** The current password's expiry, as the token shows it. */
async function passwordExpiresAt(ctx: IdentityContext, userId: string): Promise<string | null> {
  const [current] = await listPasswords(ctx.db, userId)
  return current?.expiresAt ? isoMicro(Date.parse(current.expiresAt)) : null
}

async function scopeRoles(
  ctx: IdentityContext,
  payload: TokenPayload,
  project?: Project,
): Promise<Role[]> {
  let assigned: Set<string>
  if (payload.scope === 'project' && project)
    assigned = await assignedProjectRoleIds(ctx.db, payload.userId, project)
  else if (payload.scope === 'domain')
    assigned = await assignedDomainRoleIds(ctx.db, payload.userId, payload.scopeId as string)
  else assigned = await assignedSystemRoleIds(ctx.db, payload.userId)
  let roles = await tokenRoles(ctx.db, assigned)
  if (payload.applicationCredentialId) {
    const credential = await getAppCredential(ctx.db, payload.applicationCredentialId)
    if (!credential) throw new InvalidTokenScopeError('application credential no longer exists')
    const allowed = await tokenRoles(ctx.db, credential.roleIds)
    const allowedIds = new Set(allowed.map((r) => r.id))
    roles = roles.filter((r) => allowedIds.has(r.id))
  }
  if (roles.length === 0)
    throw new InvalidTokenScopeError(`user ${payload.userId} has no roles on the requested scope`)
  return roles
}

/** Builds the token's body and identity, checking that user, scope and roles still hold. */
export async function buildTokenData(
  ctx: IdentityContext,
  payload: TokenPayload,
): Promise<TokenData> {
  const { user, domain: userDomain } = await enabledUser(ctx, payload.userId)
  const body: Record<string, unknown> = {
    methods: payload.methods,
    user: {
      domain: userDomain,
      id: user.id,
      name: user.name,
      password_expires_at: await passwordExpiresAt(ctx, user.id),
    },
    audit_ids: payload.auditIds,
    expires_at: isoMicro(payload.expiresAt),
    issued_at: isoMicro(payload.issuedAt),
  }
  const identity: AuthIdentity = {
    userId: user.id,
    userName: user.name,
    userDomainId: userDomain.id,
    userDomainName: userDomain.name,
    roles: [],
    roleIds: [],
    auditIds: payload.auditIds,
    expiresAt: new Date(payload.expiresAt).toISOString(),
    issuedAt: new Date(payload.issuedAt).toISOString(),
    methods: payload.methods,
  }
  const domainIds = [userDomain.id]
  let roles: Role[] = []
  let projectId: string | undefined
  if (payload.scope === 'project') {
    const { project, domain } = await enabledProject(ctx, payload.scopeId as string)
    roles = await scopeRoles(ctx, payload, project)
    body['project'] = { domain, id: project.id, name: project.name }
    body['is_domain'] = false
    Object.assign(identity, {
      projectId: project.id,
      projectName: project.name,
      projectDomainId: domain.id,
      projectDomainName: domain.name,
    })
    domainIds.push(domain.id)
    projectId = project.id
  } else if (payload.scope === 'domain') {
    const domain = await enabledDomain(ctx, payload.scopeId as string)
    roles = await scopeRoles(ctx, payload)
    body['domain'] = domain
    Object.assign(identity, { domainId: domain.id, domainName: domain.name })
    domainIds.push(domain.id)
  } else if (payload.scope === 'system') {
    roles = await scopeRoles(ctx, payload)
    body['system'] = { all: true }
    identity.systemScope = 'all'
  }
  if (payload.scope !== 'unscoped') {
    body['roles'] = roles.map((r) => ({ id: r.id, name: r.name }))
    identity.roles = roles.map((r) => r.name)
    identity.roleIds = roles.map((r) => r.id)
  }
  if (payload.applicationCredentialId) {
    const credential = await getAppCredential(ctx.db, payload.applicationCredentialId)
    if (!credential) throw new InvalidTokenScopeError('application credential no longer exists')
    body['application_credential'] = {
      id: credential.id,
      name: credential.name,
      restricted: !credential.unrestricted,
    }
    identity.applicationCredentialId = credential.id
    identity.unrestricted = credential.unrestricted
  }
  return {
    body,
    identity,
    scoped: payload.scope !== 'unscoped',
    roleIds: [...identity.roleIds],
    domainIds,
    ...(projectId ? { projectId } : {}),
  }
}

/** The token body with the catalog added for scoped tokens (unless `nocatalog`). */
export async function tokenBodyWithCatalog(
  ctx: IdentityContext,
  data: TokenData,
  noCatalog: boolean,
): Promise<Record<string, unknown>> {
  if (!data.scoped || noCatalog) return data.body
  const catalog: CatalogEntry[] = await buildCatalog(ctx, data.projectId)
  return { ...data.body, catalog }
}
