/** @module network/api/misc-routes: versions, extensions, quotas, availability, agents, zones, tags */
import { NotFoundError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import { QUOTA_RESOURCES, type QuotaResource } from '../config.js'
import type { NetworkContext } from '../service/context.js'
import { deleteAgent, listAgents, showAgent, updateAgent } from '../service/agents.js'
import { ipAvailability, type NetworkAvailability } from '../service/ip-availability.js'
import {
  listQuotas,
  quotaLimits,
  quotaUsage,
  resetQuotas,
  updateQuotas,
} from '../service/quotas.js'
import {
  addOneTag,
  hasTag,
  readTags,
  removeOneTag,
  replaceTags,
  taggedOwner,
  TAGGABLE,
} from '../service/tags.js'
import { EXTENSIONS } from './extensions.js'
import { listBody, pick, requestedFields } from './list-query.js'
import { bool, callerOf, idParams, member, nullableStr, strList, uuidish } from './route-kit.js'
import { agentView } from './views.js'

/** Only the administrative state and description of an agent can be changed. */
const agentUpdateSchema = {
  type: 'object',
  required: ['agent'],
  properties: {
    agent: {
      type: 'object',
      additionalProperties: false,
      properties: { admin_state_up: bool, description: nullableStr },
    },
  },
}

function base(input: RouteInput): string {
  return `http://${input.headers['host'] ?? 'localhost'}/networking`
}

const RESOURCES = [
  ['network', 'networks'],
  ['subnet', 'subnets'],
  ['port', 'ports'],
  ['router', 'routers'],
  ['floatingip', 'floatingips'],
  ['security_group', 'security-groups'],
  ['security_group_rule', 'security-group-rules'],
  ['subnetpool', 'subnetpools'],
  ['rbac_policy', 'rbac-policies'],
  ['quota', 'quotas'],
] as const

function availabilityView(a: NetworkAvailability) {
  return {
    network_id: a.networkId,
    network_name: a.networkName,
    tenant_id: a.projectId,
    project_id: a.projectId,
    used_ips: a.usedIps,
    total_ips: a.totalIps,
    subnet_ip_availability: a.subnets.map((s) => ({
      subnet_id: s.subnetId,
      subnet_name: s.subnetName,
      cidr: s.cidr,
      ip_version: s.ipVersion,
      used_ips: s.usedIps,
      total_ips: s.totalIps,
    })),
  }
}

const quotaBody = {
  type: 'object',
  required: ['quota'],
  properties: {
    quota: {
      type: 'object',
      properties: Object.fromEntries(
        QUOTA_RESOURCES.map((r) => [r, { type: 'integer', minimum: -1 }]),
      ),
    },
  },
}

const tagParams = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: [...TAGGABLE] },
    id: uuidish,
    tag: { type: 'string', maxLength: 255 },
  },
}

/** Versions, extensions and the small resources. */
export function miscRoutes(ctx: NetworkContext): Route[] {
  const tagged = async (input: RouteInput) => {
    const caller = callerOf(input)
    const owner = await taggedOwner(
      ctx,
      caller,
      input.params['kind'] as string,
      input.params['id'] as string,
    )
    input.authorize({ project_id: owner })
    return input.params['id'] as string
  }
  return [
    {
      method: 'GET',
      path: '/',
      auth: 'none',
      errors: [],
      async handler(input) {
        return {
          status: 200,
          body: {
            versions: [
              {
                id: 'v2.0',
                status: 'CURRENT',
                links: [{ href: `${base(input)}/v2.0/`, rel: 'self' }],
              },
            ],
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.0',
      auth: 'none',
      errors: [],
      async handler(input) {
        const resources = RESOURCES.map(([name, collection]) => ({
          name,
          collection,
          links: [{ href: `${base(input)}/v2.0/${collection}`, rel: 'self' }],
        }))
        return { status: 200, body: { resources } }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/extensions',
      policy: 'get_extension',
      errors: [],
      async handler(input) {
        input.authorize()
        const items = EXTENSIONS.map((x) => ({
          ...x,
          updated: '2013-01-01T00:00:00-00:00',
          links: [],
        }))
        return { status: 200, body: { extensions: items } }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/extensions/:alias',
      policy: 'get_extension',
      errors: [404],
      async handler(input) {
        input.authorize()
        const found = EXTENSIONS.find((x) => x.alias === input.params['alias'])
        if (!found)
          throw new NotFoundError(`Extension with alias ${input.params['alias']} does not exist`)
        return {
          status: 200,
          body: { extension: { ...found, updated: '2013-01-01T00:00:00-00:00', links: [] } },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/quotas',
      policy: 'get_quotas',
      errors: [],
      async handler(input) {
        input.authorize()
        const quotas = await listQuotas(ctx)
        return {
          status: 200,
          body: {
            quotas: quotas.map((q) => ({
              ...q.limits,
              tenant_id: q.projectId,
              project_id: q.projectId,
            })),
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/quotas/:id',
      policy: 'get_quota',
      errors: [],
      async handler(input) {
        const projectId = input.params['id'] as string
        input.authorize({ project_id: projectId })
        return { status: 200, body: { quota: await quotaLimits(ctx, projectId) } }
      },
    },
    ...['/v2.0/quotas/:id/details', '/v2.0/quotas/:id/details.json'].map((path): Route => ({
      method: 'GET',
      path,
      policy: 'get_quota',
      errors: [],
      async handler(input) {
        const projectId = input.params['id'] as string
        input.authorize({ project_id: projectId })
        return { status: 200, body: { quota: await quotaUsage(ctx, projectId) } }
      },
    })),
    {
      method: 'GET',
      path: '/v2.0/quotas/:id/default',
      policy: 'get_quota',
      errors: [],
      async handler(input) {
        input.authorize({ project_id: input.params['id'] })
        return { status: 200, body: { quota: { ...ctx.config.quotas } } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/quotas/:id',
      policy: 'update_quota',
      schema: { body: quotaBody },
      errors: [],
      async handler(input) {
        const projectId = input.params['id'] as string
        input.authorize({ project_id: projectId })
        const limits = member(input, 'quota') as Partial<Record<QuotaResource, number>>
        return { status: 200, body: { quota: await updateQuotas(ctx, projectId, limits) } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.0/quotas/:id',
      policy: 'delete_quota',
      errors: [],
      async handler(input) {
        const projectId = input.params['id'] as string
        input.authorize({ project_id: projectId })
        await resetQuotas(ctx, projectId)
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/network-ip-availabilities',
      policy: 'get_network_ip_availability',
      errors: [],
      async handler(input) {
        input.authorize()
        const rows = (await ipAvailability(ctx)).map(availabilityView)
        return { status: 200, body: listBody(input, 'network_ip_availabilities', rows) }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/network-ip-availabilities/:id',
      policy: 'get_network_ip_availability',
      errors: [404],
      async handler(input) {
        input.authorize()
        const [row] = await ipAvailability(ctx, input.params['id'] as string)
        const view = row ? availabilityView(row) : {}
        return {
          status: 200,
          body: { network_ip_availability: pick(view, requestedFields(input.query)) },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/agents',
      policy: 'list_agents',
      errors: [],
      async handler(input) {
        // Members get an empty list rather than a 403, as Neutron filters what they may not see.
        input.authorize()
        const agents = input.allowed('get_agent', {}) ? listAgents(ctx.agents).map(agentView) : []
        return { status: 200, body: listBody(input, 'agents', agents) }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/agents/:id',
      policy: 'get_agent',
      errors: [404],
      async handler(input) {
        input.authorize()
        const agent = agentView(showAgent(ctx.agents, input.params['id'] as string))
        return { status: 200, body: { agent: pick(agent, requestedFields(input.query)) } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/agents/:id',
      policy: 'update_agent',
      schema: { params: idParams, body: agentUpdateSchema },
      errors: [404],
      async handler(input) {
        input.authorize()
        const body = member(input, 'agent')
        const agent = await updateAgent(ctx, input.params['id'] as string, {
          ...(typeof body['admin_state_up'] === 'boolean'
            ? { adminStateUp: body['admin_state_up'] }
            : {}),
          ...('description' in body ? { description: body['description'] as string | null } : {}),
        })
        return { status: 200, body: { agent: agentView(agent) } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.0/agents/:id',
      policy: 'delete_agent',
      errors: [404, 409],
      async handler(input) {
        input.authorize()
        await deleteAgent(ctx, input.params['id'] as string)
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/availability_zones',
      policy: 'get_availability_zone',
      errors: [],
      async handler(input) {
        input.authorize()
        const zones = ['network', 'router'].map((resource) => ({
          name: 'nova',
          resource,
          state: 'available',
        }))
        return { status: 200, body: listBody(input, 'availability_zones', zones) }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/:kind/:id/tags',
      policy: 'manage_tags',
      schema: { params: tagParams },
      errors: [404],
      async handler(input) {
        return { status: 200, body: { tags: await readTags(ctx, await tagged(input)) } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/:kind/:id/tags',
      policy: 'manage_tags',
      schema: {
        params: tagParams,
        body: { type: 'object', required: ['tags'], properties: { tags: strList } },
      },
      errors: [404],
      async handler(input) {
        const id = await tagged(input)
        return {
          status: 200,
          body: { tags: await replaceTags(ctx, id, (input.body as { tags: string[] }).tags) },
        }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.0/:kind/:id/tags',
      policy: 'manage_tags',
      schema: { params: tagParams },
      errors: [404],
      async handler(input) {
        await replaceTags(ctx, await tagged(input), [])
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/:kind/:id/tags/:tag',
      policy: 'manage_tags',
      schema: { params: tagParams },
      errors: [404],
      async handler(input) {
        await hasTag(ctx, await tagged(input), input.params['tag'] as string)
        return { status: 204 }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/:kind/:id/tags/:tag',
      policy: 'manage_tags',
      schema: { params: tagParams },
      errors: [404],
      async handler(input) {
        await addOneTag(ctx, await tagged(input), input.params['tag'] as string)
        return { status: 201 }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.0/:kind/:id/tags/:tag',
      policy: 'manage_tags',
      schema: { params: tagParams },
      errors: [404],
      async handler(input) {
        await removeOneTag(ctx, await tagged(input), input.params['tag'] as string)
        return { status: 204 }
      },
    },
  ]
}
