/** @module identity/api/roles-routes: /v3/roles, implied roles and role inference rules */
import type { Route, RouteInput } from '../../core/http/index.js'
import { type Role, listImpliedRulesBy, listRolesBy } from '../service/queries.js'
import type { IdentityContext } from '../service/context.js'
import {
  addImpliedRole,
  createRoleIn,
  getImpliedRole,
  removeImpliedRole,
  removeRole,
  requireRole,
  updateRoleBy,
  type RoleInput,
} from '../service/roles.js'
import { baseUrl, listLinks } from './links.js'
import { extraFields, queryString } from './query.js'
import { descriptionString, idString, nameString, params, wrapped } from './schemas.js'
import { roleRef, roleView } from './views.js'

const ROLE_FIELDS = ['id', 'name', 'domain_id', 'description', 'options', 'links']
const roleProps = {
  name: nameString,
  domain_id: { type: ['string', 'null'], maxLength: 64 },
  description: descriptionString,
  options: { type: 'object' },
  id: idString,
}

function roleInput(body: Record<string, unknown>): RoleInput {
  return {
    ...(typeof body['name'] === 'string' ? { name: body['name'] } : {}),
    ...(body['domain_id'] !== undefined ? { domainId: body['domain_id'] as string | null } : {}),
    ...(body['description'] !== undefined
      ? { description: (body['description'] as string | null) ?? '' }
      : {}),
    ...(body['options'] !== undefined
      ? { options: body['options'] as Record<string, unknown> }
      : {}),
    extra: extraFields(body, ROLE_FIELDS),
  }
}

async function inferenceDocs(ctx: IdentityContext, base: string, priorId?: string) {
  const rules = await listImpliedRulesBy(ctx, priorId)
  const roles = new Map(
    (
      await listRolesBy(ctx, {
        ids: [...new Set(rules.flatMap((r) => [r.priorRoleId, r.impliedRoleId]))],
      })
    ).map((r) => [r.id, r]),
  )
  const byPrior = new Map<string, Role[]>()
  for (const rule of rules) {
    const implied = roles.get(rule.impliedRoleId)
    if (implied) byPrior.set(rule.priorRoleId, [...(byPrior.get(rule.priorRoleId) ?? []), implied])
  }
  return [...byPrior.entries()].flatMap(([id, implied]) => {
    const prior = roles.get(id)
    return prior
      ? [{ prior_role: roleRef(base, prior), implies: implied.map((r) => roleRef(base, r)) }]
      : []
  })
}

export function roleRoutes(ctx: IdentityContext): Route[] {
  const pair = (input: RouteInput) =>
    [input.params['priorId'] as string, input.params['impliedId'] as string] as const
  return [
    {
      method: 'POST',
      path: '/roles',
      policy: 'identity:create_role',
      schema: {
        body: wrapped('role', { type: 'object', required: ['name'], properties: roleProps }),
      },
      errors: [404, 409],
      async handler(input) {
        input.authorize()
        const role = await createRoleIn(
          ctx,
          roleInput((input.body as { role: Record<string, unknown> }).role),
        )
        return { status: 201, body: { role: roleView(baseUrl(input), role) } }
      },
    },
    {
      method: 'GET',
      path: '/roles',
      policy: 'identity:list_roles',
      errors: [],
      async handler(input) {
        input.authorize()
        const name = queryString(input.query, 'name')
        const domainId = queryString(input.query, 'domain_id')
        const roles = await listRolesBy(ctx, {
          ...(name !== undefined ? { name } : {}),
          domainId: domainId ?? null,
        })
        const base = baseUrl(input)
        return {
          status: 200,
          body: { roles: roles.map((r) => roleView(base, r)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: '/roles/:roleId',
      policy: 'identity:get_role',
      schema: { params: params('roleId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        return {
          status: 200,
          body: {
            role: roleView(
              baseUrl(input),
              await requireRole(ctx, input.params['roleId'] as string),
            ),
          },
        }
      },
    },
    {
      method: 'PATCH',
      path: '/roles/:roleId',
      policy: 'identity:update_role',
      schema: {
        params: params('roleId'),
        body: wrapped('role', { type: 'object', properties: roleProps }),
      },
      errors: [404, 409],
      async handler(input) {
        input.authorize()
        const role = await updateRoleBy(
          ctx,
          input.params['roleId'] as string,
          roleInput((input.body as { role: Record<string, unknown> }).role),
        )
        return { status: 200, body: { role: roleView(baseUrl(input), role) } }
      },
    },
    {
      method: 'DELETE',
      path: '/roles/:roleId',
      policy: 'identity:delete_role',
      schema: { params: params('roleId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        await removeRole(ctx, input.params['roleId'] as string)
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/roles/:priorId/implies',
      policy: 'identity:list_implied_roles',
      schema: { params: params('priorId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        const prior = await requireRole(ctx, input.params['priorId'] as string)
        const base = baseUrl(input)
        const [doc] = await inferenceDocs(ctx, base, prior.id)
        return {
          status: 200,
          body: {
            role_inference: doc ?? { prior_role: roleRef(base, prior), implies: [] },
            links: listLinks(input),
          },
        }
      },
    },
    {
      method: 'PUT',
      path: '/roles/:priorId/implies/:impliedId',
      policy: 'identity:create_implied_role',
      schema: { params: params('priorId', 'impliedId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        const { prior, implied } = await addImpliedRole(ctx, ...pair(input))
        const base = baseUrl(input)
        return {
          status: 201,
          body: {
            role_inference: { prior_role: roleRef(base, prior), implies: roleRef(base, implied) },
            links: { self: `${base}/roles/${prior.id}/implies/${implied.id}` },
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/roles/:priorId/implies/:impliedId',
      policy: 'identity:get_implied_role',
      schema: { params: params('priorId', 'impliedId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        const { prior, implied } = await getImpliedRole(ctx, ...pair(input))
        const base = baseUrl(input)
        return {
          status: 200,
          body: {
            role_inference: { prior_role: roleRef(base, prior), implies: roleRef(base, implied) },
            links: { self: `${base}/roles/${prior.id}/implies/${implied.id}` },
          },
        }
      },
    },
    {
      method: 'HEAD',
      path: '/roles/:priorId/implies/:impliedId',
      policy: 'identity:check_implied_role',
      schema: { params: params('priorId', 'impliedId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        await getImpliedRole(ctx, ...pair(input))
        return { status: 204 }
      },
    },
    {
      method: 'DELETE',
      path: '/roles/:priorId/implies/:impliedId',
      policy: 'identity:delete_implied_role',
      schema: { params: params('priorId', 'impliedId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        await removeImpliedRole(ctx, ...pair(input))
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/role_inferences',
      policy: 'identity:list_role_inference_rules',
      errors: [],
      async handler(input) {
        input.authorize()
        return {
          status: 200,
          body: {
            role_inferences: await inferenceDocs(ctx, baseUrl(input)),
            links: listLinks(input),
          },
        }
      },
    },
  ]
}
