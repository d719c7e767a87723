/** @module network/api/security-groups-routes: /v2.0/security-groups and /v2.0/security-group-rules */
import type { Route } from '../../core/http/index.js'
import type { NetworkContext } from '../service/context.js'
import {
  createRule,
  createSecurityGroup,
  deleteGroup,
  deleteGroupRule,
  getGroup,
  getGroupRule,
  listAllRules,
  listGroups,
  rulesOf,
  updateGroup,
} from '../service/security-groups.js'
import { listBody, pick, requestedFields } from './list-query.js'
import {
  bool,
  callerOf,
  idParams,
  ifMatch,
  member,
  nullableStr,
  ownerFor,
  resourceBody,
  str,
  uuidish,
} from './route-kit.js'
import { ruleView, securityGroupView } from './views.js'

const groupProps = {
  name: str,
  description: str,
  stateful: bool,
  tenant_id: uuidish,
  project_id: uuidish,
}

const ruleProps = {
  security_group_id: uuidish,
  direction: str,
  ethertype: str,
  protocol: { type: ['string', 'integer', 'null'] },
  port_range_min: { type: ['integer', 'null'] },
  port_range_max: { type: ['integer', 'null'] },
  remote_ip_prefix: nullableStr,
  remote_group_id: nullableStr,
  remote_address_group_id: nullableStr,
  description: str,
  tenant_id: uuidish,
  project_id: uuidish,
}

/** Security group and rule routes. */
export function securityGroupRoutes(ctx: NetworkContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2.0/security-groups',
      policy: 'get_security_group',
      errors: [],
      async handler(input) {
        const caller = callerOf(input)
        input.authorize({ project_id: caller.projectId })
        const filter = input.query['project_id'] ?? input.query['tenant_id']
        const project = typeof filter === 'string' && filter ? filter : undefined
        const groups = await listGroups(ctx, caller, undefined, project)
        const rules = await rulesOf(
          ctx,
          groups.map((g) => g.id),
        )
        const views = groups.map((g) => securityGroupView(g, rules.get(g.id) ?? []))
        return { status: 200, body: listBody(input, 'security_groups', views) }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/security-groups/:id',
      policy: 'get_security_group',
      schema: { params: idParams },
      errors: [404],
      async handler(input) {
        const group = await getGroup(ctx, callerOf(input), input.params['id'] as string)
        input.authorize({ project_id: group.projectId })
        const rules = await rulesOf(ctx, [group.id])
        const view = securityGroupView(group, rules.get(group.id) ?? [])
        return { status: 200, body: { security_group: pick(view, requestedFields(input.query)) } }
      },
    },
    {
      method: 'POST',
      path: '/v2.0/security-groups',
      policy: 'create_security_group',
      schema: { body: resourceBody('security_group', groupProps) },
      errors: [409],
      async handler(input) {
        const caller = callerOf(input)
        const body = member(input, 'security_group')
        const projectId = ownerFor(input, body, caller)
        input.authorize({ project_id: projectId })
        const group = await createSecurityGroup(ctx, caller, {
          projectId,
          ...(typeof body['name'] === 'string' ? { name: body['name'] } : {}),
          ...(typeof body['description'] === 'string' ? { description: body['description'] } : {}),
          ...(typeof body['stateful'] === 'boolean' ? { stateful: body['stateful'] } : {}),
        })
        const rules = await rulesOf(ctx, [group.id])
        return {
          status: 201,
          body: { security_group: securityGroupView(group, rules.get(group.id) ?? []) },
        }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/security-groups/:id',
      policy: 'update_security_group',
      schema: { params: idParams, body: resourceBody('security_group', groupProps) },
      errors: [404, 409, 412],
      async handler(input) {
        const caller = callerOf(input)
        const current = await getGroup(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: current.projectId })
        const body = member(input, 'security_group')
        const group = await updateGroup(
          ctx,
          caller,
          current.id,
          {
            ...(typeof body['name'] === 'string' ? { name: body['name'] } : {}),
            ...(typeof body['description'] === 'string'
              ? { description: body['description'] }
              : {}),
            ...(typeof body['stateful'] === 'boolean' ? { stateful: body['stateful'] } : {}),
          },
          ifMatch(input),
        )
        const rules = await rulesOf(ctx, [group.id])
        return {
          status: 200,
          body: { security_group: securityGroupView(group, rules.get(group.id) ?? []) },
        }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.0/security-groups/:id',
      policy: 'delete_security_group',
      schema: { params: idParams },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const group = await getGroup(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: group.projectId })
        await deleteGroup(ctx, caller, group.id)
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/security-group-rules',
      policy: 'get_security_group_rule',
      errors: [],
      async handler(input) {
        const caller = callerOf(input)
        input.authorize({ project_id: caller.projectId })
        const rules = await listAllRules(ctx, caller)
        return { status: 200, body: listBody(input, 'security_group_rules', rules.map(ruleView)) }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/security-group-rules/:id',
      policy: 'get_security_group_rule',
      schema: { params: idParams },
      errors: [404],
      async handler(input) {
        const rule = await getGroupRule(ctx, callerOf(input), input.params['id'] as string)
        input.authorize({ project_id: rule.projectId })
        return {
          status: 200,
          body: { security_group_rule: pick(ruleView(rule), requestedFields(input.query)) },
        }
      },
    },
    {
      method: 'POST',
      path: '/v2.0/security-group-rules',
      policy: 'create_security_group_rule',
      schema: {
        body: resourceBody('security_group_rule', ruleProps, {
          required: ['security_group_id', 'direction'],
        }),
      },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const body = member(input, 'security_group_rule')
        const projectId = ownerFor(input, body, caller)
        input.authorize({ project_id: projectId })
        const rule = await createRule(ctx, caller, {
          securityGroupId: body['security_group_id'] as string,
          direction: body['direction'] as string,
          ...(body['project_id'] !== undefined || body['tenant_id'] !== undefined
            ? { projectId }
            : {}),
          ...(typeof body['description'] === 'string' ? { description: body['description'] } : {}),
          ...(typeof body['ethertype'] === 'string' ? { ethertype: body['ethertype'] } : {}),
          ...(body['protocol'] !== undefined
            ? { protocol: body['protocol'] as string | number | null }
            : {}),
          ...(body['port_range_min'] !== undefined
            ? { portRangeMin: body['port_range_min'] as number | null }
            : {}),
          ...(body['port_range_max'] !== undefined
            ? { portRangeMax: body['port_range_max'] as number | null }
            : {}),
          ...(body['remote_ip_prefix'] !== undefined
            ? { remoteIpPrefix: body['remote_ip_prefix'] as string | null }
            : {}),
          ...(body['remote_group_id'] !== undefined
            ? { remoteGroupId: body['remote_group_id'] as string | null }
            : {}),
        })
        return { status: 201, body: { security_group_rule: ruleView(rule) } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.0/security-group-rules/:id',
      policy: 'delete_security_group_rule',
      schema: { params: idParams },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const rule = await getGroupRule(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: rule.projectId })
        await deleteGroupRule(ctx, caller, rule.id)
        return { status: 204 }
      },
    },
  ]
}
