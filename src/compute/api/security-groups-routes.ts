/** @module compute/api/security-groups-routes: the os-security-groups proxy (until 2.35) */
import { BadRequestError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import {
  createSecurityGroup,
  createSecurityGroupRule,
  deleteSecurityGroup,
  deleteSecurityGroupRule,
  getSecurityGroup,
  listSecurityGroups,
  remoteGroupsOf,
  serverSecurityGroups,
  updateSecurityGroup,
  type NetSecurityGroup,
  type NetSecurityGroupRule,
} from '../service/security-group-proxy.js'
import { showServer } from '../service/server-list.js'
import { rule } from './policy.js'
import { callerOf, member } from './route-kit.js'

const PROXY = { max: '2.35' }

function ruleView(
  r: NetSecurityGroupRule,
  groups: readonly NetSecurityGroup[],
  givenCidr?: string | null,
) {
  const remote = r.remoteGroupId ? groups.find((g) => g.id === r.remoteGroupId) : undefined
  return {
    id: r.id,
    parent_group_id: r.securityGroupId,
    ip_protocol: r.protocol,
    from_port: r.portRangeMin ?? (r.protocol === 'icmp' ? -1 : null),
    to_port: r.portRangeMax ?? (r.protocol === 'icmp' ? -1 : null),
    ip_range: r.remoteGroupId ? {} : { cidr: givenCidr ?? r.remoteIpPrefix ?? '0.0.0.0/0' },
    group: remote ? { name: remote.name, tenant_id: remote.projectId } : {},
  }
}

function groupView(g: NetSecurityGroup, all: readonly NetSecurityGroup[] = [g]) {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    tenant_id: g.projectId,
    rules: g.rules.filter((r) => r.direction === 'ingress').map((r) => ruleView(r, all)),
  }
}

function tokenOf(input: RouteInput): string {
  return input.context.authToken ?? ''
}

const groupBody = {
  type: 'object',
  required: ['security_group'],
  properties: {
    security_group: {
      type: 'object',
      required: ['name', 'description'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 255 },
        description: { type: 'string', maxLength: 255 },
      },
    },
  },
}

const port = { type: ['integer', 'string', 'null'], pattern: '^-?[0-9]+$' }

const ruleBody = {
  type: 'object',
  required: ['security_group_rule'],
  properties: {
    security_group_rule: {
      type: 'object',
      required: ['parent_group_id'],
      properties: {
        parent_group_id: { type: 'string', minLength: 1 },
        ip_protocol: { type: ['string', 'null'] },
        from_port: port,
        to_port: port,
        cidr: { type: ['string', 'null'] },
        group_id: { type: ['string', 'null'] },
      },
    },
  },
}

export function securityGroupRoutes(ctx: ComputeContext): Route[] {
  const base = { policy: rule('os-security-groups:list'), microversion: PROXY }
  const authorized = (input: RouteInput) => {
    const caller = callerOf(input)
    input.authorize({ project_id: caller.projectId })
    return caller
  }
  return [
    {
      ...base,
      method: 'GET',
      path: '/v2.1/os-security-groups',
      errors: [400],
      handler: async (input) => {
        const groups = await listSecurityGroups(ctx, authorized(input), tokenOf(input))
        return { status: 200, body: { security_groups: groups.map((g) => groupView(g, groups)) } }
      },
    },
    {
      ...base,
      method: 'POST',
      path: '/v2.1/os-security-groups',
      schema: { body: groupBody },
      errors: [400],
      handler: async (input) => {
        authorized(input)
        const b = member(input, 'security_group')
        const g = await createSecurityGroup(ctx, tokenOf(input), {
          name: String(b['name']),
          description: String(b['description']),
        })
        return { status: 200, body: { security_group: groupView(g) } }
      },
    },
    {
      ...base,
      method: 'GET',
      path: '/v2.1/os-security-groups/:id',
      errors: [400, 404],
      handler: async (input) => {
        authorized(input)
        const g = await getSecurityGroup(ctx, tokenOf(input), input.params['id'] ?? '')
        const remotes = await remoteGroupsOf(ctx, tokenOf(input), g.rules)
        return { status: 200, body: { security_group: groupView(g, [g, ...remotes]) } }
      },
    },
    {
      ...base,
      method: 'PUT',
      path: '/v2.1/os-security-groups/:id',
      schema: { body: groupBody },
      errors: [400, 404],
      handler: async (input) => {
        authorized(input)
        const b = member(input, 'security_group')
        const g = await updateSecurityGroup(ctx, tokenOf(input), input.params['id'] ?? '', {
          name: String(b['name']),
          description: String(b['description']),
        })
        return { status: 200, body: { security_group: groupView(g) } }
      },
    },
    {
      ...base,
      method: 'DELETE',
      path: '/v2.1/os-security-groups/:id',
      errors: [400, 404],
      handler: async (input) => {
        authorized(input)
        await deleteSecurityGroup(ctx, tokenOf(input), input.params['id'] ?? '')
        return { status: 202 }
      },
    },
    {
      ...base,
      method: 'POST',
      path: '/v2.1/os-security-group-rules',
      schema: { body: ruleBody },
      errors: [400, 404],
      handler: async (input) => {
        authorized(input)
        const b = member(input, 'security_group_rule')
        const num = (v: unknown) => (v === undefined || v === null ? null : Number(v))
        const protocol = (b['ip_protocol'] as string | null | undefined) ?? null
        if (protocol && !['tcp', 'udp', 'icmp'].includes(protocol.toLowerCase())) {
          throw new BadRequestError(`Invalid IP protocol ${protocol}.`)
        }
        const cidr = (b['cidr'] as string | null | undefined) ?? null
        const r = await createSecurityGroupRule(ctx, tokenOf(input), {
          parentGroupId: String(b['parent_group_id']),
          protocol: protocol?.toLowerCase() ?? null,
          fromPort: num(b['from_port']),
          toPort: num(b['to_port']),
          cidr,
          groupId: (b['group_id'] as string | null | undefined) ?? null,
        })
        const remotes = await remoteGroupsOf(ctx, tokenOf(input), [r])
        // the CIDR as the caller wrote it (networking keeps the network it names)
        const view = ruleView(r, remotes, r.remoteGroupId ? null : cidr)
        return { status: 200, body: { security_group_rule: view } }
      },
    },
    {
      ...base,
      method: 'DELETE',
      path: '/v2.1/os-security-group-rules/:id',
      errors: [400, 404],
      handler: async (input) => {
        authorized(input)
        await deleteSecurityGroupRule(ctx, tokenOf(input), input.params['id'] ?? '')
        return { status: 202 }
      },
    },
    {
      ...base,
      method: 'GET',
      path: '/v2.1/servers/:id/os-security-groups',
      errors: [400, 404],
      handler: async (input) => {
        const caller = callerOf(input)
        const uuid = input.params['id'] ?? ''
        const { instance } = await showServer(ctx, caller, uuid)
        input.authorize({ project_id: instance.projectId })
        const groups = await serverSecurityGroups(ctx, caller, tokenOf(input), uuid)
        return { status: 200, body: { security_groups: groups.map((g) => groupView(g, groups)) } }
      },
    },
  ]
}
