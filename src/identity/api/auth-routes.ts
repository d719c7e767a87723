/** @module identity/api/auth-routes: /v3/auth/* — tokens, catalog and what a token may scope to */
import type { Route, RouteInput } from '../../core/http/index.js'
import { groupIdsOfUser, listProjectsBy, systemRoleIdsOf } from '../service/queries.js'
import { UnauthorizedError } from '../../core/errors/index.js'
import { authenticate, type AuthRequest } from '../service/authenticate.js'
import { buildCatalog } from '../service/catalog-view.js'
import type { IdentityContext } from '../service/context.js'
import { domainIdsOfUser, projectIdsOfUser } from '../service/projects.js'
import { decodeToken, revokeToken, validateToken } from '../service/tokens.js'
import { tokenBodyWithCatalog } from '../service/token-data.js'
import { TokenNotFoundError } from '../errors.js'
import { baseUrl, listLinks } from './links.js'
import { authBody } from './schemas.js'
import { domainView, projectView } from './views.js'

function subjectToken(input: RouteInput): string {
  const value = input.headers['x-subject-token']
  const token = Array.isArray(value) ? value[0] : value
  if (!token) throw new TokenNotFoundError()
  return token
}

function noCatalog(input: RouteInput): boolean {
  return 'nocatalog' in input.query && input.query['nocatalog'] !== 'false'
}

async function subject(ctx: IdentityContext, input: RouteInput) {
  const token = subjectToken(input)
  const decoded = decodeToken(ctx, token)
  input.authorize({ target: { token: { user_id: decoded?.userId ?? '' } } })
  return { token, ...(await validateToken(ctx, token)) }
}

function caller(input: RouteInput) {
  const identity = input.context.identity
  if (!identity) throw new UnauthorizedError()
  return identity
}

export function authRoutes(ctx: IdentityContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/auth/tokens',
      auth: 'none',
      schema: { body: authBody },
      errors: [400, 401, 403, 404],
      async handler(input) {
        const { auth } = input.body as { auth: AuthRequest }
        const issued = await authenticate(ctx, auth)
        const body = await tokenBodyWithCatalog(ctx, issued.data, noCatalog(input))
        return { status: 201, headers: { 'x-subject-token': issued.token }, body: { token: body } }
      },
    },
    {
      method: 'GET',
      path: '/auth/tokens',
      policy: 'identity:validate_token',
      errors: [404],
      async handler(input) {
        const { token, data } = await subject(ctx, input)
        const body = await tokenBodyWithCatalog(ctx, data, noCatalog(input))
        return { status: 200, headers: { 'x-subject-token': token }, body: { token: body } }
      },
    },
    {
      method: 'HEAD',
      path: '/auth/tokens',
      policy: 'identity:check_token',
      errors: [404],
      async handler(input) {
        const { token } = await subject(ctx, input)
        return { status: 200, headers: { 'x-subject-token': token } }
      },
    },
    {
      method: 'DELETE',
      path: '/auth/tokens',
      policy: 'identity:revoke_token',
      errors: [404],
      async handler(input) {
        const token = subjectToken(input)
        input.authorize({ target: { token: { user_id: decodeToken(ctx, token)?.userId ?? '' } } })
        await revokeToken(ctx, token)
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/auth/catalog',
      policy: 'identity:get_auth_catalog',
      errors: [403],
      async handler(input) {
        input.authorize()
        const identity = caller(input)
        if (!identity.projectId && !identity.domainId && !identity.systemScope) {
          return { status: 200, body: { catalog: [], links: listLinks(input) } }
        }
        return {
          status: 200,
          body: { catalog: await buildCatalog(ctx, identity.projectId), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: '/auth/projects',
      policy: 'identity:get_auth_projects',
      errors: [],
      async handler(input) {
        input.authorize()
        const identity = caller(input)
        const groups = await groupIdsOfUser(ctx, identity.userId)
        const ids = await projectIdsOfUser(ctx, identity.userId, groups)
        const projects = await listProjectsBy(ctx, { ids, isDomain: false, enabled: true })
        const base = baseUrl(input)
        return {
          status: 200,
          body: { projects: projects.map((p) => projectView(base, p)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: '/auth/domains',
      policy: 'identity:get_auth_domains',
      errors: [],
      async handler(input) {
        input.authorize()
        const identity = caller(input)
        const groups = await groupIdsOfUser(ctx, identity.userId)
        const ids = await domainIdsOfUser(ctx, identity.userId, groups)
        const domains = await listProjectsBy(ctx, { ids, isDomain: true, enabled: true })
        const base = baseUrl(input)
        return {
          status: 200,
          body: { domains: domains.map((d) => domainView(base, d)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: '/auth/system',
      policy: 'identity:get_auth_system',
      errors: [],
      async handler(input) {
        input.authorize()
        const identity = caller(input)
        const roles = await systemRoleIdsOf(ctx, identity.userId)
        return {
          status: 200,
          body: { system: roles.size > 0 ? [{ all: true }] : [], links: listLinks(input) },
        }
      },
    },
  ]
}
