/** @module identity/api/ec2-routes: /v3/users/{user_id}/credentials/OS-EC2 */
import type { Route, RouteInput } from '../../core/http/index.js'
import type { IdentityContext } from '../service/context.js'
import {
  createEc2Credential,
  getEc2Credential,
  listEc2Credentials,
  removeEc2Credential,
  type Ec2Credential,
} from '../service/ec2-credentials.js'
import { baseUrl, listLinks } from './links.js'
import { params } from './schemas.js'

function view(base: string, c: Ec2Credential): Record<string, unknown> {
  return {
    user_id: c.userId,
    tenant_id: c.tenantId,
    access: c.access,
    secret: c.secret,
    trust_id: c.trustId,
    links: { self: `${base}/users/${c.userId}/credentials/OS-EC2/${c.access}` },
  }
}

export function ec2Routes(ctx: IdentityContext): Route[] {
  const target = (input: RouteInput) => ({ target: { user: { id: input.params['userId'] } } })
  const path = '/users/:userId/credentials/OS-EC2'
  return [
    {
      method: 'POST',
      path,
      policy: 'identity:ec2_create_credential',
      schema: {
        params: params('userId'),
        body: {
          type: 'object',
          required: ['tenant_id'],
          properties: { tenant_id: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
      errors: [404, 409],
      async handler(input) {
        input.authorize(target(input))
        const { tenant_id } = input.body as { tenant_id: string }
        const credential = await createEc2Credential(
          ctx,
          input.params['userId'] as string,
          tenant_id,
        )
        return { status: 201, body: { credential: view(baseUrl(input), credential) } }
      },
    },
    {
      method: 'GET',
      path,
      policy: 'identity:ec2_list_credentials',
      schema: { params: params('userId') },
      errors: [404],
      async handler(input) {
        input.authorize(target(input))
        const list = await listEc2Credentials(ctx, input.params['userId'] as string)
        const base = baseUrl(input)
        return {
          status: 200,
          body: { credentials: list.map((c) => view(base, c)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: `${path}/:access`,
      policy: 'identity:ec2_get_credential',
      schema: { params: params('userId', 'access') },
      errors: [404],
      async handler(input) {
        input.authorize(target(input))
        const credential = await getEc2Credential(
          ctx,
          input.params['userId'] as string,
          input.params['access'] as string,
        )
        return { status: 200, body: { credential: view(baseUrl(input), credential) } }
      },
    },
    {
      method: 'DELETE',
      path: `${path}/:access`,
      policy: 'identity:ec2_delete_credential',
      schema: { params: params('userId', 'access') },
      errors: [404],
      async handler(input) {
        input.authorize(target(input))
        await removeEc2Credential(
          ctx,
          input.params['userId'] as string,
          input.params['access'] as string,
        )
        return { status: 204 }
      },
    },
  ]
}
