/** @module compute/api/server-password-routes: GET and DELETE /servers/{id}/os-server-password */
import type { Route, RouteInput } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import { showServer } from '../service/server-list.js'
import { clearServerPassword, serverPassword } from '../service/server-password.js'
import { rule } from './policy.js'
import { callerOf, idParams } from './route-kit.js'

async function authorized(ctx: ComputeContext, input: RouteInput) {
  const caller = callerOf(input)
  const { instance } = await showServer(ctx, caller, input.params['id'] ?? '')
  input.authorize({ project_id: instance.projectId })
  return caller
}

export function serverPasswordRoutes(ctx: ComputeContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2.1/servers/:id/os-server-password',
      policy: rule('os-server-password:show'),
      schema: { params: idParams },
      errors: [404],
      handler: async (input) => {
        const caller = await authorized(ctx, input)
        const password = await serverPassword(ctx, caller, input.params['id'] ?? '')
        return { status: 200, body: { password } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.1/servers/:id/os-server-password',
      policy: rule('os-server-password:clear'),
      schema: { params: idParams },
      errors: [404],
      handler: async (input) => {
        const caller = await authorized(ctx, input)
        await clearServerPassword(ctx, caller, input.params['id'] ?? '')
        return { status: 204 }
      },
    },
  ]
}
