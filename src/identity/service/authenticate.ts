/** @module identity/service/authenticate: POST /v3/auth/tokens, every method and scope */
import { ForbiddenError } from '../../core/errors/index.js'
import {
  getAppCredential,
  listAppCredentials,
  type AppCredential,
} from '../db/app-credentials-repo.js'
import { getProject } from '../db/projects-repo.js'
import type { User } from '../db/users-repo.js'
import { AuthenticationError, IdentityValidationError } from '../errors.js'
import type { AuthMethod, ScopeKind, TokenPayload } from '../tokens/token-payload.js'
import type { IdentityContext } from './context.js'
import { assignedProjectRoleIds, tokenRoles } from './effective-roles.js'
import {
  resolveDomain,
  resolveProject,
  resolveUser,
  type DomainRef,
  type ScopedRef,
} from './lookups.js'
import { verifyPassword } from './password-hash.js'
import { checkUserPassword } from './password-checks.js'
import { issueToken, validateToken, type IssuedToken } from './tokens.js'

/** The `auth` object of a token request, as validated by the route schema. */
export interface AuthRequest {
  identity: {
    methods: string[]
    password?: { user: ScopedRef & { password: string } }
    token?: { id: string }
    application_credential?: { id?: string; name?: string; secret: string; user?: ScopedRef }
  }
  scope?: 'unscoped' | { project?: ScopedRef; domain?: DomainRef; system?: { all?: boolean } }
}

interface Authenticated {
  user: User
  methods: AuthMethod[]
  parent?: TokenPayload
  credential?: AppCredential
}

/** A 400 unless `ref` gives an id, or a name (with a domain by id or name when `inDomain`). */
function assertRef(ref: ScopedRef, field: string, inDomain: boolean): void {
  if (ref.id !== undefined) return
  const domain = ref.domain?.id !== undefined || ref.domain?.name !== undefined
  if (ref.name !== undefined && (domain || !inDomain)) return
  throw new IdentityValidationError(
    `Invalid input for field '${field}': give an id, or a name${inDomain ? ' and a domain' : ''}.`,
  )
}

async function enabledUser(ctx: IdentityContext, ref: ScopedRef): Promise<User> {
  const user = await resolveUser(ctx, ref)
  if (!user) throw new AuthenticationError()
  if (!user.enabled) throw new AuthenticationError(`The account is disabled for user: ${user.id}.`)
  const domain = await getProject(ctx.db, user.domainId)
  if (!domain?.enabled) throw new AuthenticationError()
  return user
}

async function byPassword(
  ctx: IdentityContext,
  req: NonNullable<AuthRequest['identity']['password']>,
): Promise<Authenticated> {
  assertRef(req.user, 'auth.identity.password.user', true)
  const user = await enabledUser(ctx, req.user)
  await checkUserPassword(ctx, user, req.user.password)
  return { user, methods: ['password'] }
}

async function byToken(
  ctx: IdentityContext,
  req: NonNullable<AuthRequest['identity']['token']>,
): Promise<Authenticated> {
  const { payload, data } = await validateToken(ctx, req.id)
  if (payload.applicationCredentialId)
    throw new ForbiddenError('Cannot rescope a token created with an application credential.')
  const user = await enabledUser(ctx, { id: data.identity.userId })
  return {
    user,
    methods: [...payload.methods.filter((m) => m !== 'token'), 'token'],
    parent: payload,
  }
}

async function byAppCredential(
  ctx: IdentityContext,
  req: NonNullable<AuthRequest['identity']['application_credential']>,
): Promise<Authenticated> {
  let credential: AppCredential | undefined
  if (req.id !== undefined) credential = await getAppCredential(ctx.db, req.id)
  else if (req.name !== undefined && req.user) {
    assertRef(req.user, 'auth.identity.application_credential.user', true)
    const owner = await resolveUser(ctx, req.user)
    credential = owner
      ? (await listAppCredentials(ctx.db, { userId: owner.id, name: req.name }))[0]
      : undefined
  } else {
    throw new IdentityValidationError(
      'An application credential needs an id, or a name and a user.',
    )
  }
  if (!credential || !(await verifyPassword(req.secret, credential.secretHash)))
    throw new AuthenticationError()
  if (credential.expiresAt && Date.parse(credential.expiresAt) <= ctx.clock.now())
    throw new AuthenticationError('The application credential has expired.')
  const user = await enabledUser(ctx, { id: credential.userId })
  return { user, methods: ['application_credential'], credential }
}

async function authenticateMethods(
  ctx: IdentityContext,
  auth: AuthRequest,
): Promise<Authenticated> {
  const methods = [...new Set(auth.identity.methods)]
  if (methods.length === 0)
    throw new IdentityValidationError(
      "Invalid input for field 'identity/methods': [] is too short.",
    )
  let result: Authenticated | undefined
  for (const method of methods) {
    let next: Authenticated
    if (method === 'password' && auth.identity.password)
      next = await byPassword(ctx, auth.identity.password)
    else if (method === 'token' && auth.identity.token)
      next = await byToken(ctx, auth.identity.token)
    else if (method === 'application_credential' && auth.identity.application_credential)
      next = await byAppCredential(ctx, auth.identity.application_credential)
    else if (['password', 'token', 'application_credential'].includes(method))
      throw new IdentityValidationError(`Expecting to find ${method} in identity.`)
    else
      throw new AuthenticationError(
        `Attempted to authenticate with an unsupported method: ${method}.`,
      )
    if (result && result.user.id !== next.user.id)
      throw new AuthenticationError('User IDs of the authentication methods do not match.')
    result = result ? { ...result, ...next, methods: [...result.methods, ...next.methods] } : next
  }
  return result as Authenticated
}

/**
 * The default project when a token may be scoped to it: it and its domain are enabled and the
 * user has a role on it. Otherwise Keystone issues an unscoped token rather than refusing.
 */
async function usableDefaultProject(ctx: IdentityContext, user: User): Promise<string | undefined> {
  if (!user.defaultProjectId) return undefined
  const project = await getProject(ctx.db, user.defaultProjectId)
  if (!project?.enabled || project.isDomain || !project.domainId) return undefined
  if (!(await getProject(ctx.db, project.domainId))?.enabled) return undefined
  const roles = await tokenRoles(ctx.db, await assignedProjectRoleIds(ctx.db, user.id, project))
  return roles.length > 0 ? project.id : undefined
}

async function resolveScope(
  ctx: IdentityContext,
  auth: AuthRequest,
  who: Authenticated,
): Promise<{ scope: ScopeKind; scopeId?: string }> {
  if (who.credential) {
    if (
      auth.scope &&
      auth.scope !== 'unscoped' &&
      auth.scope.project &&
      auth.scope.project.id !== undefined &&
      auth.scope.project.id !== who.credential.projectId
    ) {
      throw new AuthenticationError(
        'An application credential may only be scoped to its own project.',
      )
    }
    return { scope: 'project', scopeId: who.credential.projectId }
  }
  const scope = auth.scope
  if (scope === 'unscoped') return { scope: 'unscoped' }
  if (scope === undefined) {
    if (who.parent)
      return {
        scope: who.parent.scope,
        ...(who.parent.scopeId ? { scopeId: who.parent.scopeId } : {}),
      }
    const preferred = await usableDefaultProject(ctx, who.user)
    return preferred ? { scope: 'project', scopeId: preferred } : { scope: 'unscoped' }
  }
  const kinds = [scope.project, scope.domain, scope.system].filter((s) => s !== undefined)
  if (kinds.length !== 1)
    throw new IdentityValidationError(
      'Specify exactly one of project, domain or system as the scope.',
    )
  if (scope.project) {
    assertRef(scope.project, 'auth.scope.project', true)
    const project = await resolveProject(ctx, scope.project)
    if (!project)
      throw new AuthenticationError(
        `Could not find project: ${scope.project.id ?? scope.project.name}.`,
      )
    return { scope: 'project', scopeId: project.id }
  }
  if (scope.domain) {
    assertRef(scope.domain, 'auth.scope.domain', false)
    const domain = await resolveDomain(ctx, scope.domain)
    if (!domain)
      throw new AuthenticationError(
        `Could not find domain: ${scope.domain.id ?? scope.domain.name}.`,
      )
    return { scope: 'domain', scopeId: domain.id }
  }
  return { scope: 'system', scopeId: 'all' }
}

/** Authenticates and issues a token. Invalid credentials are 401, an invalid subject token 404. */
export async function authenticate(ctx: IdentityContext, auth: AuthRequest): Promise<IssuedToken> {
  const who = await authenticateMethods(ctx, auth)
  const { scope, scopeId } = await resolveScope(ctx, auth, who)
  const credentialExpiry = who.credential?.expiresAt
    ? Date.parse(who.credential.expiresAt)
    : undefined
  return issueToken(ctx, {
    userId: who.user.id,
    methods: [...new Set(who.methods)],
    scope,
    ...(scopeId ? { scopeId } : {}),
    ...(who.parent ? { parentAuditIds: who.parent.auditIds, notAfter: who.parent.expiresAt } : {}),
    ...(who.credential ? { applicationCredentialId: who.credential.id } : {}),
    ...(credentialExpiry !== undefined ? { credentialExpiresAt: credentialExpiry } : {}),
  })
}
