/** @module compute/api/server-extras-routes: server metadata, tags, instance actions and interfaces */
import type { NetPort } from '../../clients/network-client.js'
import { NotFoundError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import {
  instanceAction,
  instanceActions,
  serverInterface,
  serverInterfaces,
} from '../service/server-info.js'
import { showServer } from '../service/server-list.js'
import {
  addServerTag,
  deleteServerMetadata,
  removeServerTag,
  replaceServerTags,
  serverMetadata,
  serverTags,
  updateServerMetadata,
} from '../service/server-meta.js'
import { rule } from './policy.js'
import { atLeast, callerOf, microTime } from './route-kit.js'
import { metadataBody } from './server-schemas.js'

const tag = { type: 'string', minLength: 1, maxLength: 60, pattern: '^[^,/]*$' }

/** Authorizes `name` against the server's project (404 first when it is not visible). */
async function authorizeOn(ctx: ComputeContext, input: RouteInput, name: string) {
  const caller = callerOf(input)
  const uuid = input.params['id'] ?? ''
  const { instance } = await showServer(ctx, caller, uuid)
  input.authorizeRule(rule(name), { project_id: instance.projectId })
  return { caller, uuid }
}

function route(
  method: Route['method'],
  path: string,
  policy: string,
  handler: Route['handler'],
  extra: Partial<Route> = {},
): Route {
  return {
    method,
    path: `/v2.1/servers/:id${path}`,
    policy: rule(policy),
    errors: [404, 409],
    handler,
    ...extra,
  }
}

/** One port as an `interfaceAttachment`. */
function interfaceView(input: RouteInput, port: NetPort, tag: string | null) {
  return {
    net_id: port.networkId,
    port_id: port.id,
    mac_addr: port.macAddress,
    port_state: port.status,
    fixed_ips: port.fixedIps.map((ip) => ({ subnet_id: ip.subnetId, ip_address: ip.ipAddress })),
    ...(atLeast(input, '2.70') ? { tag } : {}),
  }
}

export function serverExtraRoutes(ctx: ComputeContext): Route[] {
  const tags26 = { microversion: { min: '2.26' } }
  return [
    route('GET', '/metadata', 'server-metadata:index', async (input) => {
      const { caller, uuid } = await authorizeOn(ctx, input, 'server-metadata:index')
      return { status: 200, body: { metadata: await serverMetadata(ctx, caller, uuid) } }
    }),
    route(
      'POST',
      '/metadata',
      'server-metadata:create',
      async (input) => {
        const { caller, uuid } = await authorizeOn(ctx, input, 'server-metadata:create')
        const given = (input.body as { metadata: Record<string, string> }).metadata
        return {
          status: 200,
          body: { metadata: await updateServerMetadata(ctx, caller, uuid, given, false) },
        }
      },
      { schema: { body: metadataBody('metadata') } },
    ),
    route(
      'PUT',
      '/metadata',
      'server-metadata:update_all',
      async (input) => {
        const { caller, uuid } = await authorizeOn(ctx, input, 'server-metadata:update_all')
        const given = (input.body as { metadata: Record<string, string> }).metadata
        return {
          status: 200,
          body: { metadata: await updateServerMetadata(ctx, caller, uuid, given, true) },
        }
      },
      { schema: { body: metadataBody('metadata') } },
    ),
    route('GET', '/metadata/:key', 'server-metadata:show', async (input) => {
      const { caller, uuid } = await authorizeOn(ctx, input, 'server-metadata:show')
      const key = input.params['key'] ?? ''
      const all = await serverMetadata(ctx, caller, uuid)
      if (all[key] === undefined) throw new NotFoundError('Metadata item was not found')
      return { status: 200, body: { meta: { [key]: all[key] } } }
    }),
    route(
      'PUT',
      '/metadata/:key',
      'server-metadata:update',
      async (input) => {
        const { caller, uuid } = await authorizeOn(ctx, input, 'server-metadata:update')
        const key = input.params['key'] ?? ''
        const meta = (input.body as { meta: Record<string, string> }).meta
        if (Object.keys(meta).length !== 1 || meta[key] === undefined) {
          throw new NotFoundError('Request body and URI mismatch')
        }
        await updateServerMetadata(ctx, caller, uuid, meta, false)
        return { status: 200, body: { meta } }
      },
      { schema: { body: metadataBody('meta') }, errors: [400, 404, 409] },
    ),
    route('DELETE', '/metadata/:key', 'server-metadata:delete', async (input) => {
      const { caller, uuid } = await authorizeOn(ctx, input, 'server-metadata:delete')
      await deleteServerMetadata(ctx, caller, uuid, input.params['key'] ?? '')
      return { status: 204 }
    }),
    route(
      'GET',
      '/tags',
      'os-server-tags:index',
      async (input) => {
        const { caller, uuid } = await authorizeOn(ctx, input, 'os-server-tags:index')
        return { status: 200, body: { tags: await serverTags(ctx, caller, uuid) } }
      },
      tags26,
    ),
    route(
      'PUT',
      '/tags',
      'os-server-tags:update_all',
      async (input) => {
        const { caller, uuid } = await authorizeOn(ctx, input, 'os-server-tags:update_all')
        const tags = (input.body as { tags: string[] }).tags
        return { status: 200, body: { tags: await replaceServerTags(ctx, caller, uuid, tags) } }
      },
      {
        ...tags26,
        schema: {
          body: {
            type: 'object',
            required: ['tags'],
            properties: { tags: { type: 'array', items: tag } },
            additionalProperties: false,
          },
        },
      },
    ),
    route(
      'DELETE',
      '/tags',
      'os-server-tags:delete_all',
      async (input) => {
        const { caller, uuid } = await authorizeOn(ctx, input, 'os-server-tags:delete_all')
        await replaceServerTags(ctx, caller, uuid, [])
        return { status: 204 }
      },
      tags26,
    ),
    route(
      'GET',
      '/tags/:tag',
      'os-server-tags:show',
      async (input) => {
        const { caller, uuid } = await authorizeOn(ctx, input, 'os-server-tags:show')
        const tags = await serverTags(ctx, caller, uuid)
        if (!tags.includes(input.params['tag'] ?? ''))
          throw new NotFoundError(`Tag ${input.params['tag']} could not be found.`)
        return { status: 204 }
      },
      tags26,
    ),
    route(
      'PUT',
      '/tags/:tag',
      'os-server-tags:update',
      async (input) => {
        const { caller, uuid } = await authorizeOn(ctx, input, 'os-server-tags:update')
        const name = input.params['tag'] ?? ''
        const added = await addServerTag(ctx, caller, uuid, name)
        const href = `${String(input.headers.host ?? '')}/compute/v2.1/servers/${uuid}/tags/${name}`
        return { status: added ? 201 : 204, headers: { location: `http://${href}` } }
      },
      { ...tags26, schema: { params: { type: 'object', properties: { tag } } } },
    ),
    route(
      'DELETE',
      '/tags/:tag',
      'os-server-tags:delete',
      async (input) => {
        const { caller, uuid } = await authorizeOn(ctx, input, 'os-server-tags:delete')
        await removeServerTag(ctx, caller, uuid, input.params['tag'] ?? '')
        return { status: 204 }
      },
      tags26,
    ),
    {
      method: 'GET',
      path: '/v2.1/servers/:id/os-interface',
      policy: rule('os-attach-interfaces:list'),
      errors: [404],
      handler: async (input) => {
        const { projectId, ports, tagOf } = await serverInterfaces(
          ctx,
          callerOf(input),
          input.params['id'] ?? '',
        )
        input.authorize({ project_id: projectId })
        return {
          status: 200,
          body: { interfaceAttachments: ports.map((p) => interfaceView(input, p, tagOf(p.id))) },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/servers/:id/os-interface/:port',
      policy: rule('os-attach-interfaces:show'),
      errors: [404],
      handler: async (input) => {
        const { projectId, port, tag } = await serverInterface(
          ctx,
          callerOf(input),
          input.params['id'] ?? '',
          input.params['port'] ?? '',
        )
        input.authorize({ project_id: projectId })
        return { status: 200, body: { interfaceAttachment: interfaceView(input, port, tag) } }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/servers/:id/os-instance-actions',
      policy: rule('os-instance-actions:list'),
      errors: [404],
      handler: async (input) => {
        const caller = callerOf(input)
        const uuid = input.params['id'] ?? ''
        const actions = await instanceActions(ctx, caller, uuid)
        input.authorize({ project_id: actions[0]?.projectId ?? caller.projectId })
        return {
          status: 200,
          body: {
            instanceActions: actions.map((a) => ({
              action: a.action,
              instance_uuid: a.instanceUuid,
              request_id: a.requestId,
              user_id: a.userId,
              project_id: a.projectId,
              start_time: microTime(a.startTime),
              message: a.message,
              ...(atLeast(input, '2.58') ? { updated_at: microTime(a.updatedAt) } : {}),
            })),
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/servers/:id/os-instance-actions/:request',
      policy: rule('os-instance-actions:show'),
      errors: [404],
      handler: async (input) => {
        const caller = callerOf(input)
        const uuid = input.params['id'] ?? ''
        const { action, events } = await instanceAction(
          ctx,
          caller,
          uuid,
          input.params['request'] ?? '',
        )
        input.authorize({ project_id: action.projectId })
        const showEvents = caller.isAdmin || atLeast(input, '2.51')
        return {
          status: 200,
          body: {
            instanceAction: {
              action: action.action,
              instance_uuid: action.instanceUuid,
              request_id: action.requestId,
              user_id: action.userId,
              project_id: action.projectId,
              start_time: microTime(action.startTime),
              message: action.message,
              ...(atLeast(input, '2.58') ? { updated_at: microTime(action.updatedAt) } : {}),
              ...(showEvents
                ? {
                    events: events.map((e) => ({
                      event: e.event,
                      start_time: microTime(e.startTime),
                      finish_time: e.finishTime ? microTime(e.finishTime) : null,
                      result: e.result,
                      ...(caller.isAdmin ? { traceback: e.traceback } : {}),
                      ...(atLeast(input, '2.62')
                        ? { hostId: '', ...(caller.isAdmin ? { host: e.host ?? '' } : {}) }
                        : {}),
                    })),
                  }
                : {}),
            },
          },
        }
      },
    },
  ]
}
