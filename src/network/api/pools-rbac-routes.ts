/** @module network/api/pools-rbac-routes: /v2.0/subnetpools and /v2.0/rbac-policies */
import type { Route } from '../../core/http/index.js'
import type { NetworkContext } from '../service/context.js'
import { createRbac, deleteRbac, getRbac, listRbac, updateRbac } from '../service/rbac.js'
import {
  createSubnetPool,
  deletePool,
  getPool,
  listPools,
  updatePool,
  type SubnetPoolInput,
} from '../service/subnet-pools.js'
import { listBody, pick, requestedFields } from './list-query.js'
import {
  bool,
  callerOf,
  idParams,
  ifMatch,
  mapped,
  member,
  ownerFor,
  resourceBody,
  str,
  strList,
  uuidish,
} from './route-kit.js'
import { rbacView, subnetPoolView } from './views.js'

const poolProps = {
  name: str,
  description: str,
  prefixes: strList,
  default_prefixlen: { type: ['integer', 'string'] },
  min_prefixlen: { type: ['integer', 'string'] },
  max_prefixlen: { type: ['integer', 'string'] },
  shared: bool,
  is_default: bool,
  default_quota: { type: ['integer', 'null'] },
  address_scope_id: { type: ['string', 'null'] },
  tenant_id: uuidish,
  project_id: uuidish,
}

const POOL_MAP = {
  name: 'name',
  description: 'description',
  prefixes: 'prefixes',
  shared: 'shared',
  is_default: 'isDefault',
  default_quota: 'defaultQuota',
  address_scope_id: 'addressScopeId',
} as const

function poolSpec(body: Record<string, unknown>): Partial<SubnetPoolInput> {
  const out = mapped<SubnetPoolInput>(body, POOL_MAP)
  for (const [wire, key] of [
    ['default_prefixlen', 'defaultPrefixlen'],
    ['min_prefixlen', 'minPrefixlen'],
    ['max_prefixlen', 'maxPrefixlen'],
  ] as const) {
    if (body[wire] !== undefined) out[key] = Number(body[wire])
  }
  return out
}

const rbacProps = {
  object_type: str,
  object_id: uuidish,
  action: str,
  target_tenant: str,
  target_project: str,
  tenant_id: uuidish,
  project_id: uuidish,
}

/** Subnet pool and RBAC policy routes. */
export function poolAndRbacRoutes(ctx: NetworkContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2.0/subnetpools',
      policy: 'get_subnetpool',
      errors: [],
      async handler(input) {
        const caller = callerOf(input)
        input.authorize({ project_id: caller.projectId })
        return {
          status: 200,
          body: listBody(input, 'subnetpools', (await listPools(ctx, caller)).map(subnetPoolView)),
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/subnetpools/:id',
      policy: 'get_subnetpool',
      schema: { params: idParams },
      errors: [404],
      async handler(input) {
        const pool = await getPool(ctx, callerOf(input), input.params['id'] as string)
        input.authorize({ project_id: pool.projectId, shared: pool.shared })
        return {
          status: 200,
          body: { subnetpool: pick(subnetPoolView(pool), requestedFields(input.query)) },
        }
      },
    },
    {
      method: 'POST',
      path: '/v2.0/subnetpools',
      policy: 'create_subnetpool',
      schema: { body: resourceBody('subnetpool', poolProps, { required: ['prefixes'] }) },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const body = member(input, 'subnetpool')
        const projectId = ownerFor(input, body, caller)
        const target = { project_id: projectId }
        input.authorize(target)
        if (body['shared'] !== undefined) input.authorizeRule('create_subnetpool:shared', target)
        if (body['is_default'] !== undefined)
          input.authorizeRule('create_subnetpool:is_default', target)
        const pool = await createSubnetPool(ctx, caller, {
          ...poolSpec(body),
          prefixes: body['prefixes'] as string[],
          projectId,
        })
        return { status: 201, body: { subnetpool: subnetPoolView(pool) } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/subnetpools/:id',
      policy: 'update_subnetpool',
      schema: { params: idParams, body: resourceBody('subnetpool', poolProps) },
      errors: [404, 409, 412],
      async handler(input) {
        const caller = callerOf(input)
        const current = await getPool(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: current.projectId })
        const body = member(input, 'subnetpool')
        if (body['is_default'] !== undefined)
          input.authorizeRule('update_subnetpool:is_default', { project_id: current.projectId })
        const pool = await updatePool(ctx, caller, current.id, poolSpec(body), ifMatch(input))
        return { status: 200, body: { subnetpool: subnetPoolView(pool) } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.0/subnetpools/:id',
      policy: 'delete_subnetpool',
      schema: { params: idParams },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const pool = await getPool(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: pool.projectId })
        await deletePool(ctx, caller, pool.id)
        return { status: 204 }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/rbac-policies',
      policy: 'get_rbac_policy',
      errors: [],
      async handler(input) {
        const caller = callerOf(input)
        input.authorize({ project_id: caller.projectId })
        return {
          status: 200,
          body: listBody(input, 'rbac_policies', (await listRbac(ctx, caller)).map(rbacView)),
        }
      },
    },
    {
      method: 'GET',
      path: '/v2.0/rbac-policies/:id',
      policy: 'get_rbac_policy',
      schema: { params: idParams },
      errors: [404],
      async handler(input) {
        const policy = await getRbac(ctx, callerOf(input), input.params['id'] as string)
        input.authorize({ project_id: policy.projectId, target_tenant: policy.targetProject })
        return {
          status: 200,
          body: { rbac_policy: pick(rbacView(policy), requestedFields(input.query)) },
        }
      },
    },
    {
      method: 'POST',
      path: '/v2.0/rbac-policies',
      policy: 'create_rbac_policy',
      schema: {
        body: resourceBody('rbac_policy', rbacProps, {
          required: ['object_type', 'object_id', 'action'],
        }),
      },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const body = member(input, 'rbac_policy')
        const projectId = ownerFor(input, body, caller)
        input.authorize({ project_id: projectId })
        const policy = await createRbac(ctx, caller, {
          projectId,
          objectType: body['object_type'] as string,
          objectId: body['object_id'] as string,
          action: body['action'] as string,
          targetProject:
            ((body['target_project'] ?? body['target_tenant']) as string | undefined) ?? '*',
        })
        return { status: 201, body: { rbac_policy: rbacView(policy) } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.0/rbac-policies/:id',
      policy: 'update_rbac_policy',
      schema: { params: idParams, body: resourceBody('rbac_policy', rbacProps) },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const current = await getRbac(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: current.projectId })
        const body = member(input, 'rbac_policy')
        const target = (body['target_project'] ??
          body['target_tenant'] ??
          current.targetProject) as string
        return {
          status: 200,
          body: { rbac_policy: rbacView(await updateRbac(ctx, caller, current.id, target)) },
        }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.0/rbac-policies/:id',
      policy: 'delete_rbac_policy',
      schema: { params: idParams },
      errors: [404, 409],
      async handler(input) {
        const caller = callerOf(input)
        const policy = await getRbac(ctx, caller, input.params['id'] as string)
        input.authorize({ project_id: policy.projectId })
        await deleteRbac(ctx, caller, policy.id)
        return { status: 204 }
      },
    },
  ]
}
