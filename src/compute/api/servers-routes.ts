/** @module compute/api/servers-routes: /servers create, list, detail, show, update, delete */
import { BadRequestError, NotFoundError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import { detailsOf, listServers, showServer, type ServerQuery } from '../service/server-list.js'
import { createServers, deleteServer, updateServer, type ServerCreate } from '../service/servers.js'
import { blockDevicesInput } from './block-device-input.js'
import { canonicalIpv6 } from './ip-address.js'
import { rule } from './policy.js'
import { atLeast, baseUrl, callerOf, idParams, member, queryList, queryOne } from './route-kit.js'
import { createServerBody, serverListQuery, updateServerBody } from './server-schemas.js'
import { addressesOf, coreServerView, nextLinks, serverBrief, serverView } from './server-view.js'

type Body = Record<string, unknown>

/** Nova's default `[api]max_limit`. */
const MAX_LIMIT = 1000

function networksOf(input: RouteInput, s: Body): ServerCreate['networks'] {
  const n = s['networks']
  if (n === 'auto' || n === 'none') {
    if (!atLeast(input, '2.37'))
      throw new BadRequestError(`Invalid input for field/attribute networks.`)
    return n
  }
  if (n === undefined) {
    if (atLeast(input, '2.37'))
      throw new BadRequestError("Invalid input: 'networks' is a required property")
    return 'auto'
  }
  return (n as Body[]).map((x) => ({
    ...(typeof x['uuid'] === 'string' ? { uuid: x['uuid'] } : {}),
    ...(typeof x['port'] === 'string' ? { port: x['port'] } : {}),
    ...(typeof x['fixed_ip'] === 'string' ? { fixedIp: x['fixed_ip'] } : {}),
  }))
}

function count(value: unknown, fallback: number): number {
  return value === undefined ? fallback : Number(value)
}

function createInput(input: RouteInput): ServerCreate {
  const s = member(input, 'server')
  const hints = ((input.body as Body)['os:scheduler_hints'] ?? {}) as Body
  const minCount = count(s['min_count'], 1)
  const userData = s['user_data'] as string | undefined
  if (userData !== undefined && !/^[A-Za-z0-9+/=\s]*$/.test(userData)) {
    throw new BadRequestError('Invalid input for field/attribute user_data. Value is not base64.')
  }
  const blockDevices = blockDevicesInput(input, s)
  if ((s['imageRef'] === undefined || s['imageRef'] === '') && !blockDevices?.length) {
    throw new BadRequestError('Missing imageRef attribute')
  }
  return {
    name: String(s['name']),
    imageRef: String(s['imageRef'] ?? ''),
    ...(blockDevices ? { blockDevices } : {}),
    flavorRef: String(s['flavorRef']),
    networks: networksOf(input, s),
    autoNetworkAsked: s['networks'] === 'auto',
    securityGroups: ((s['security_groups'] as Body[] | undefined) ?? []).map((g) =>
      String(g['name']),
    ),
    metadata: (s['metadata'] as Record<string, string> | undefined) ?? {},
    minCount,
    maxCount: count(s['max_count'], minCount),
    tags: (s['tags'] as string[] | undefined) ?? [],
    configDrive: s['config_drive'] === true || s['config_drive'] === 'true',
    ...(s['OS-DCF:diskConfig'] === 'AUTO' || s['OS-DCF:diskConfig'] === 'MANUAL'
      ? { diskConfig: s['OS-DCF:diskConfig'] }
      : {}),
    ...(typeof s['key_name'] === 'string' ? { keyName: s['key_name'] } : {}),
    ...(userData !== undefined ? { userData } : {}),
    ...(typeof s['availability_zone'] === 'string'
      ? { availabilityZone: s['availability_zone'] }
      : {}),
    ...(typeof hints['group'] === 'string' ? { groupId: hints['group'] } : {}),
    ...(s['description'] !== undefined ? { description: s['description'] as string | null } : {}),
    ...(typeof s['accessIPv4'] === 'string' ? { accessIpv4: s['accessIPv4'] } : {}),
    ...(typeof s['accessIPv6'] === 'string' ? { accessIpv6: canonicalIpv6(s['accessIPv6']) } : {}),
  }
}

function listQuery(input: RouteInput): ServerQuery {
  const one = (k: string) => queryOne(input, k)
  const bool = (k: string) => {
    const v = one(k)
    return v === undefined ? undefined : ['1', 'true', 'True', 'yes', ''].includes(v)
  }
  const csv = (k: string) =>
    one(k)
      ?.split(',')
      .filter((t) => t !== '')
  const limit = one('limit')
  const q: ServerQuery = {
    sortKeys: queryList(input, 'sort_key') ?? [],
    sortDirs: (queryList(input, 'sort_dir') ?? []).map((d) => (d === 'asc' ? 'asc' : 'desc')),
  }
  const set = <K extends keyof ServerQuery>(k: K, v: ServerQuery[K] | undefined) => {
    if (v !== undefined) q[k] = v
  }
  set('name', one('name'))
  set('status', one('status'))
  set('image', one('image'))
  set('flavor', one('flavor'))
  set('host', one('host'))
  set('ip', one('ip'))
  set('ip6', one('ip6'))
  set('changesSince', one('changes-since'))
  set('changesBefore', one('changes-before'))
  set('reservationId', one('reservation_id'))
  set('tags', csv('tags'))
  set('tagsAny', csv('tags-any'))
  set('notTags', csv('not-tags'))
  set('notTagsAny', csv('not-tags-any'))
  set('allTenants', bool('all_tenants'))
  set('projectId', one('project_id') ?? one('tenant_id'))
  set('deleted', bool('deleted'))
  set('locked', bool('locked'))
  set('availabilityZone', one('availability_zone'))
  // Nova's [api]max_limit: no page is longer, whatever the limit asked (the rest is linked).
  set('limit', Math.min(limit === undefined ? MAX_LIMIT : Number(limit), MAX_LIMIT))
  set('marker', one('marker'))
  for (const d of ['changesSince', 'changesBefore'] as const) {
    const v = q[d]
    if (v !== undefined) {
      const t = Date.parse(v.replace(' ', 'T'))
      if (Number.isNaN(t)) throw new BadRequestError(`Invalid filter value ${v}`)
      q[d] = new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z')
    }
  }
  return q
}

export function serverRoutes(ctx: ComputeContext): Route[] {
  const list = (detail: boolean): Route => ({
    method: 'GET',
    path: detail ? '/v2.1/servers/detail' : '/v2.1/servers',
    policy: rule(detail ? 'servers:detail' : 'servers:index'),
    schema: { query: serverListQuery },
    errors: [],
    handler: async (input) => {
      const caller = callerOf(input)
      input.authorize({ project_id: caller.projectId })
      const { servers, more } = await listServers(ctx, caller, listQuery(input))
      const path = detail ? 'servers/detail' : 'servers'
      const page = nextLinks(input, path, servers[servers.length - 1]?.uuid, more)
      if (!detail)
        return {
          status: 200,
          body: { servers: servers.map((i) => serverBrief(input, i)), ...page },
        }
      const details = await detailsOf(ctx, servers)
      return {
        status: 200,
        body: { servers: details.map((d) => serverView(input, d, caller.isAdmin)), ...page },
      }
    },
  })
  return [
    list(false),
    list(true),
    {
      method: 'POST',
      path: '/v2.1/servers',
      policy: rule('servers:create'),
      schema: { body: createServerBody },
      errors: [404, 409],
      handler: async (input) => {
        const caller = callerOf(input)
        input.authorize({ project_id: caller.projectId })
        const spec = createInput(input)
        const token = input.context.authToken ?? ''
        const created = await createServers(ctx, { ...caller, token }, spec)
        const s = member(input, 'server')
        if (s['return_reservation_id'] === true || s['return_reservation_id'] === 'True') {
          return { status: 202, body: { reservation_id: created.reservationId } }
        }
        const first = created.instances[0]
        if (!first) throw new BadRequestError('no server created')
        const href = `${baseUrl(input)}/v2.1/servers/${first.uuid}`
        return {
          status: 202,
          headers: { location: href },
          body: {
            server: {
              id: first.uuid,
              links: serverBrief(input, first).links,
              'OS-DCF:diskConfig': spec.diskConfig ?? 'MANUAL',
              security_groups: (spec.securityGroups.length > 0
                ? spec.securityGroups
                : ['default']
              ).map((name) => ({ name })),
              adminPass: typeof s['adminPass'] === 'string' ? s['adminPass'] : created.adminPass,
            },
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/servers/:id',
      policy: rule('servers:show'),
      schema: { params: idParams },
      errors: [404],
      handler: async (input) => {
        const caller = callerOf(input)
        const d = await showServer(ctx, caller, input.params['id'] ?? '')
        input.authorize({ project_id: d.instance.projectId })
        return { status: 200, body: { server: serverView(input, d, caller.isAdmin) } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.1/servers/:id',
      policy: rule('servers:update'),
      schema: { params: idParams, body: updateServerBody },
      errors: [404],
      handler: async (input) => {
        const caller = callerOf(input)
        const id = input.params['id'] ?? ''
        input.authorize({ project_id: (await showServer(ctx, caller, id)).instance.projectId })
        const s = member(input, 'server')
        await updateServer(ctx, caller, id, {
          ...(s['name'] !== undefined ? { name: String(s['name']) } : {}),
          ...(s['description'] !== undefined
            ? { description: s['description'] as string | null }
            : {}),
          ...(s['accessIPv4'] !== undefined
            ? { accessIpv4: (s['accessIPv4'] as string) || null }
            : {}),
          ...(s['accessIPv6'] !== undefined
            ? { accessIpv6: s['accessIPv6'] ? canonicalIpv6(String(s['accessIPv6'])) : null }
            : {}),
          ...(s['OS-DCF:diskConfig'] === 'AUTO' || s['OS-DCF:diskConfig'] === 'MANUAL'
            ? { diskConfig: s['OS-DCF:diskConfig'] }
            : {}),
        })
        const d = await showServer(ctx, caller, id)
        return {
          status: 200,
          body: { server: coreServerView(input, d, { isAdmin: caller.isAdmin, rebuild: false }) },
        }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.1/servers/:id',
      policy: rule('servers:delete'),
      schema: { params: idParams },
      errors: [404, 409],
      handler: async (input) => {
        const caller = callerOf(input)
        const id = input.params['id'] ?? ''
        input.authorize({ project_id: (await showServer(ctx, caller, id)).instance.projectId })
        await deleteServer(ctx, caller, id)
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/servers/:id/ips',
      policy: rule('ips:index'),
      schema: { params: idParams },
      errors: [404],
      handler: async (input) => {
        const caller = callerOf(input)
        const d = await showServer(ctx, caller, input.params['id'] ?? '')
        input.authorize({ project_id: d.instance.projectId })
        return { status: 200, body: { addresses: addressesOf(d) } }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/servers/:id/ips/:label',
      policy: rule('ips:show'),
      errors: [404],
      handler: async (input) => {
        const caller = callerOf(input)
        const d = await showServer(ctx, caller, input.params['id'] ?? '')
        input.authorize({ project_id: d.instance.projectId })
        const label = input.params['label'] ?? ''
        const addresses: Record<string, unknown> = addressesOf(d)
        const found = addresses[label]
        if (found === undefined)
          throw new NotFoundError('Instance is not a member of specified network')
        return { status: 200, body: { [label]: found } }
      },
    },
  ]
}
