/** @module identity/api/policy-blobs-routes: /v3/policies */
import type { Route } from '../../core/http/index.js'
import type { IdentityContext } from '../service/context.js'
import {
  createPolicyBlobIn,
  listPolicyBlobsBy,
  removePolicyBlob,
  requirePolicyBlob,
  updatePolicyBlobBy,
  type PolicyBlob,
} from '../service/policy-blobs.js'
import { baseUrl, listLinks } from './links.js'
import { extraFields, queryString } from './query.js'
import { params, wrapped } from './schemas.js'

const props = { type: { type: 'string', minLength: 1, maxLength: 255 }, blob: { type: 'string' } }
const KNOWN = ['id', 'type', 'blob', 'links']

function view(base: string, p: PolicyBlob): Record<string, unknown> {
  return {
    ...p.extra,
    id: p.id,
    type: p.type,
    blob: p.blob,
    links: { self: `${base}/policies/${p.id}` },
  }
}

export function policyBlobRoutes(ctx: IdentityContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/policies',
      policy: 'identity:create_policy',
      schema: {
        body: wrapped('policy', { type: 'object', required: ['type', 'blob'], properties: props }),
      },
      errors: [],
      async handler(input) {
        input.authorize()
        const body = (input.body as { policy: Record<string, unknown> }).policy
        const policy = await createPolicyBlobIn(ctx, {
          type: body['type'] as string,
          blob: body['blob'] as string,
          extra: extraFields(body, KNOWN),
        })
        return { status: 201, body: { policy: view(baseUrl(input), policy) } }
      },
    },
    {
      method: 'GET',
      path: '/policies',
      policy: 'identity:list_policies',
      errors: [],
      async handler(input) {
        input.authorize()
        const type = queryString(input.query, 'type')
        const list = await listPolicyBlobsBy(ctx, type !== undefined ? { type } : {})
        const base = baseUrl(input)
        return {
          status: 200,
          body: { policies: list.map((p) => view(base, p)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: '/policies/:policyId',
      policy: 'identity:get_policy',
      schema: { params: params('policyId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        return {
          status: 200,
          body: {
            policy: view(
              baseUrl(input),
              await requirePolicyBlob(ctx, input.params['policyId'] as string),
            ),
          },
        }
      },
    },
    {
      method: 'PATCH',
      path: '/policies/:policyId',
      policy: 'identity:update_policy',
      schema: {
        params: params('policyId'),
        body: wrapped('policy', { type: 'object', properties: props }),
      },
      errors: [404],
      async handler(input) {
        input.authorize()
        const body = (input.body as { policy: Record<string, unknown> }).policy
        const policy = await updatePolicyBlobBy(ctx, input.params['policyId'] as string, {
          ...(typeof body['type'] === 'string' ? { type: body['type'] } : {}),
          ...(typeof body['blob'] === 'string' ? { blob: body['blob'] } : {}),
          extra: extraFields(body, KNOWN),
        })
        return { status: 200, body: { policy: view(baseUrl(input), policy) } }
      },
    },
    {
      method: 'DELETE',
      path: '/policies/:policyId',
      policy: 'identity:delete_policy',
      schema: { params: params('policyId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        await removePolicyBlob(ctx, input.params['policyId'] as string)
        return { status: 204 }
      },
    },
  ]
}
