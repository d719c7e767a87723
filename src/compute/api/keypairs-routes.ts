/** @module compute/api/keypairs-routes: os-keypairs (types from 2.2, per user) */
import type { Route, RouteInput } from '../../core/http/index.js'
import type { Keypair } from '../model/flavor.js'
import type { ComputeContext } from '../service/context.js'
import {
  createUserKeypair,
  deleteUserKeypair,
  getKeypair,
  listUserKeypairs,
} from '../service/keypairs.js'
import { rule } from './policy.js'
import { atLeast, callerOf, member, queryOne } from './route-kit.js'

function view(input: RouteInput, k: Keypair, full: boolean) {
  return {
    name: k.name,
    public_key: k.publicKey,
    fingerprint: k.fingerprint,
    ...(atLeast(input, '2.2') ? { type: k.type } : {}),
    ...(full
      ? {
          user_id: k.userId,
          created_at: k.createdAt.replace('Z', '.000000'),
          deleted: false,
          deleted_at: null,
          id: 0,
          updated_at: null,
        }
      : {}),
  }
}

const nameSchema = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9 _.@-]+$' }

/** The user whose key pairs are meant: the caller, or `user_id` for admins (2.10). */
function userOf(input: RouteInput): string {
  const caller = callerOf(input)
  const asked = queryOne(input, 'user_id')
  return asked && caller.isAdmin ? asked : caller.userId
}

export function keypairRoutes(ctx: ComputeContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2.1/os-keypairs',
      policy: rule('os-keypairs:index'),
      errors: [],
      handler: async (input) => {
        const userId = userOf(input)
        input.authorize({ user_id: userId, project_id: callerOf(input).projectId })
        const list = await listUserKeypairs(ctx, userId)
        return {
          status: 200,
          body: { keypairs: list.map((k) => ({ keypair: view(input, k, false) })) },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/os-keypairs/:name',
      policy: rule('os-keypairs:show'),
      errors: [404],
      handler: async (input) => {
        const userId = userOf(input)
        input.authorize({ user_id: userId, project_id: callerOf(input).projectId })
        const k = await getKeypair(ctx, userId, input.params['name'] ?? '')
        return { status: 200, body: { keypair: view(input, k, true) } }
      },
    },
    {
      method: 'POST',
      path: '/v2.1/os-keypairs',
      policy: rule('os-keypairs:create'),
      schema: {
        body: {
          type: 'object',
          required: ['keypair'],
          properties: {
            keypair: {
              type: 'object',
              required: ['name'],
              additionalProperties: false,
              properties: {
                name: nameSchema,
                public_key: { type: 'string' },
                type: { type: 'string', enum: ['ssh', 'x509'] },
                user_id: { type: 'string' },
              },
            },
          },
        },
      },
      errors: [409],
      handler: async (input) => {
        const caller = callerOf(input)
        input.authorize({ user_id: caller.userId, project_id: caller.projectId })
        const b = member(input, 'keypair')
        const type = atLeast(input, '2.2') && b['type'] === 'x509' ? 'x509' : 'ssh'
        const userId =
          typeof b['user_id'] === 'string' && caller.isAdmin ? b['user_id'] : caller.userId
        const k = await createUserKeypair(
          ctx,
          { userId, projectId: caller.projectId },
          {
            name: String(b['name']),
            type,
            ...(typeof b['public_key'] === 'string' ? { publicKey: b['public_key'] } : {}),
          },
        )
        return {
          status: atLeast(input, '2.2') ? 201 : 200,
          body: {
            keypair: {
              ...view(input, k, false),
              user_id: k.userId,
              ...(k.privateKey ? { private_key: k.privateKey } : {}),
            },
          },
        }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.1/os-keypairs/:name',
      policy: rule('os-keypairs:delete'),
      errors: [404],
      handler: async (input) => {
        const userId = userOf(input)
        input.authorize({ user_id: userId, project_id: callerOf(input).projectId })
        await deleteUserKeypair(ctx, userId, input.params['name'] ?? '')
        return { status: atLeast(input, '2.2') ? 204 : 202 }
      },
    },
  ]
}
