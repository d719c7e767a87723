/** @module compute/api/flavors-routes: flavors, extra specs and flavor access */
import { BadRequestError, NotFoundError } from '../../core/errors/index.js'
import type { Route, RouteInput } from '../../core/http/index.js'
import type { Flavor } from '../model/flavor.js'
import type { ComputeContext } from '../service/context.js'
import {
  changeFlavorAccess,
  createFlavor,
  deleteFlavor,
  deleteFlavorExtraSpec,
  flavorAccess,
  flavorExtraSpecs,
  getFlavor,
  listFlavors,
  setFlavorExtraSpecs,
  updateFlavor,
} from '../service/flavors.js'
import { rule } from './policy.js'
import { atLeast, baseUrl, callerOf, idParams, member, queryOne } from './route-kit.js'

function flavorLinks(input: RouteInput, id: string) {
  const base = baseUrl(input)
  return [
    { rel: 'self', href: `${base}/v2.1/flavors/${id}` },
    { rel: 'bookmark', href: `${base}/flavors/${id}` },
  ]
}

function flavorView(input: RouteInput, f: Flavor, specs?: Record<string, string>) {
  return {
    id: f.flavorid,
    name: f.name,
    ram: f.memoryMb,
    disk: f.rootGb,
    vcpus: f.vcpus,
    swap: f.swap === 0 ? '' : f.swap,
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeralGb,
    'OS-FLV-DISABLED:disabled': f.disabled,
    'os-flavor-access:is_public': f.isPublic,
    rxtx_factor: f.rxtxFactor,
    links: flavorLinks(input, f.flavorid),
    ...(atLeast(input, '2.55') ? { description: f.description } : {}),
    ...(atLeast(input, '2.61') && specs ? { extra_specs: specs } : {}),
  }
}

const flavorBody = {
  type: 'object',
  required: ['flavor'],
  properties: {
    flavor: {
      type: 'object',
      required: ['name', 'ram', 'vcpus', 'disk'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 255 },
        id: {
          anyOf: [
            {
              type: 'string',
              minLength: 1,
              maxLength: 255,
              pattern: '^(?! )[a-zA-Z0-9. _-]+(?<! )$',
            },
            { type: 'integer', minimum: 0 },
            { type: 'null' },
          ],
        },
        ram: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1 },
        vcpus: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1 },
        disk: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 0 },
        'OS-FLV-EXT-DATA:ephemeral': { type: ['integer', 'string'], minimum: 0 },
        swap: { type: ['integer', 'string'], minimum: 0 },
        rxtx_factor: { type: ['number', 'string'], exclusiveMinimum: 0 },
        'os-flavor-access:is_public': {
          anyOf: [
            { type: 'boolean' },
            { type: 'string', enum: ['true', 'false', 'True', 'False'] },
          ],
        },
        description: { type: ['string', 'null'], maxLength: 65535 },
      },
    },
  },
}

const accessBody = {
  type: 'object',
  required: ['tenant'],
  properties: { tenant: { type: 'string', minLength: 1, maxLength: 255 } },
}

function isPublicQuery(input: RouteInput): boolean | 'all' | undefined {
  const v = queryOne(input, 'is_public')
  if (v === undefined) return undefined
  if (v.toLowerCase() === 'none') return 'all'
  if (['true', '1', 'yes', 't', 'on'].includes(v.toLowerCase())) return true
  if (['false', '0', 'no', 'f', 'off'].includes(v.toLowerCase())) return false
  throw new BadRequestError(`Invalid is_public filter [${v}]`)
}

export function flavorRoutes(ctx: ComputeContext): Route[] {
  const list = (detail: boolean): Route => ({
    method: 'GET',
    path: detail ? '/v2.1/flavors/detail' : '/v2.1/flavors',
    policy: rule('flavors:index'),
    errors: [],
    handler: async (input) => {
      input.authorize()
      const caller = callerOf(input)
      const num = (k: string) => {
        const v = queryOne(input, k)
        if (v !== undefined && !/^\d+$/.test(v))
          throw new BadRequestError(`Invalid ${k} filter [${v}]`)
        return v === undefined ? undefined : Number(v)
      }
      const minRam = num('minRam')
      const minDisk = num('minDisk')
      const pub = isPublicQuery(input)
      const sortKey = queryOne(input, 'sort_key')
      const sortDir = queryOne(input, 'sort_dir')
      let flavors = await listFlavors(ctx, caller, {
        ...(minRam !== undefined ? { minRam } : {}),
        ...(minDisk !== undefined ? { minDisk } : {}),
        ...(pub !== undefined ? { isPublic: pub } : {}),
        ...(sortKey ? { sortKey } : {}),
        ...(sortDir === 'asc' || sortDir === 'desc' ? { sortDir } : {}),
      })
      const marker = queryOne(input, 'marker')
      if (marker !== undefined) {
        const at = flavors.findIndex((f) => f.flavorid === marker)
        if (at < 0) throw new BadRequestError(`marker [${marker}] not found`)
        flavors = flavors.slice(at + 1)
      }
      const limit = num('limit')
      const more = limit !== undefined && flavors.length > limit
      if (limit !== undefined) flavors = flavors.slice(0, limit)
      const body = flavors.map((f) =>
        detail
          ? flavorView(input, f)
          : {
              id: f.flavorid,
              name: f.name,
              links: flavorLinks(input, f.flavorid),
              ...(atLeast(input, '2.55') ? { description: f.description } : {}),
            },
      )
      const last = flavors[flavors.length - 1]
      return {
        status: 200,
        body: {
          flavors: body,
          ...(more && last
            ? {
                flavors_links: [
                  {
                    rel: 'next',
                    href: `${baseUrl(input)}/v2.1/flavors${detail ? '/detail' : ''}?limit=${limit}&marker=${last.flavorid}`,
                  },
                ],
              }
            : {}),
        },
      }
    },
  })
  return [
    list(false),
    list(true),
    {
      method: 'GET',
      path: '/v2.1/flavors/:id',
      policy: rule('flavors:show'),
      schema: { params: idParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const caller = callerOf(input)
        const f = await getFlavor(ctx, caller, input.params['id'] ?? '')
        const specs = await flavorExtraSpecs(ctx, caller, f.flavorid)
        return { status: 200, body: { flavor: flavorView(input, f, specs) } }
      },
    },
    {
      method: 'POST',
      path: '/v2.1/flavors',
      policy: rule('os-flavor-manage:create'),
      schema: { body: flavorBody },
      errors: [409],
      handler: async (input) => {
        input.authorize()
        const b = member(input, 'flavor')
        const f = await createFlavor(ctx, {
          name: String(b['name']).trim(),
          id: b['id'] === undefined || b['id'] === null ? null : String(b['id']),
          vcpus: Number(b['vcpus']),
          memoryMb: Number(b['ram']),
          rootGb: Number(b['disk']),
          ephemeralGb: Number(b['OS-FLV-EXT-DATA:ephemeral'] ?? 0),
          swap: Number(b['swap'] ?? 0),
          rxtxFactor: Number(b['rxtx_factor'] ?? 1),
          isPublic: !['false', 'False', '0', false].includes(
            b['os-flavor-access:is_public'] as string | boolean,
          ),
          description: (b['description'] as string | null | undefined) ?? null,
        })
        return { status: 200, body: { flavor: flavorView(input, f, {}) } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.1/flavors/:id',
      policy: rule('os-flavor-manage:update'),
      microversion: { min: '2.55' },
      schema: { params: idParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const b = member(input, 'flavor')
        const f = await updateFlavor(
          ctx,
          input.params['id'] ?? '',
          (b['description'] as string | null) ?? null,
        )
        return { status: 200, body: { flavor: flavorView(input, f, {}) } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.1/flavors/:id',
      policy: rule('os-flavor-manage:delete'),
      schema: { params: idParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        await deleteFlavor(ctx, input.params['id'] ?? '')
        return { status: 202 }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/flavors/:id/os-extra_specs',
      policy: rule('os-flavor-extra-specs:index'),
      schema: { params: idParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const specs = await flavorExtraSpecs(ctx, callerOf(input), input.params['id'] ?? '')
        return { status: 200, body: { extra_specs: specs } }
      },
    },
    {
      method: 'POST',
      path: '/v2.1/flavors/:id/os-extra_specs',
      policy: rule('os-flavor-extra-specs:create'),
      schema: {
        params: idParams,
        body: {
          type: 'object',
          required: ['extra_specs'],
          properties: {
            extra_specs: {
              type: 'object',
              additionalProperties: { type: ['string', 'number', 'boolean'] },
            },
          },
        },
      },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const given = (input.body as { extra_specs: Record<string, unknown> }).extra_specs
        const specs = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, String(v)]))
        await setFlavorExtraSpecs(ctx, input.params['id'] ?? '', specs)
        return { status: 200, body: { extra_specs: specs } }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/flavors/:id/os-extra_specs/:key',
      policy: rule('os-flavor-extra-specs:show'),
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const key = input.params['key'] ?? ''
        const specs = await flavorExtraSpecs(ctx, callerOf(input), input.params['id'] ?? '')
        if (specs[key] === undefined) {
          throw new NotFoundError(
            `Flavor ${input.params['id']} has no extra specs with key ${key}.`,
          )
        }
        return { status: 200, body: { [key]: specs[key] } }
      },
    },
    {
      method: 'PUT',
      path: '/v2.1/flavors/:id/os-extra_specs/:key',
      policy: rule('os-flavor-extra-specs:update'),
      schema: {
        body: {
          type: 'object',
          minProperties: 1,
          maxProperties: 1,
          additionalProperties: { type: ['string', 'number', 'boolean'] },
        },
      },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const key = input.params['key'] ?? ''
        const body = input.body as Record<string, unknown>
        if (body[key] === undefined) throw new BadRequestError('Request body and URI mismatch')
        const value = String(body[key])
        await setFlavorExtraSpecs(ctx, input.params['id'] ?? '', { [key]: value })
        return { status: 200, body: { [key]: value } }
      },
    },
    {
      method: 'DELETE',
      path: '/v2.1/flavors/:id/os-extra_specs/:key',
      policy: rule('os-flavor-extra-specs:delete'),
      errors: [404],
      handler: async (input) => {
        input.authorize()
        await deleteFlavorExtraSpec(ctx, input.params['id'] ?? '', input.params['key'] ?? '')
        return { status: 200 }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/flavors/:id/os-flavor-access',
      policy: rule('os-flavor-access'),
      schema: { params: idParams },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const id = input.params['id'] ?? ''
        const projects = await flavorAccess(ctx, id)
        return {
          status: 200,
          body: { flavor_access: projects.map((p) => ({ flavor_id: id, tenant_id: p })) },
        }
      },
    },
    {
      method: 'POST',
      path: '/v2.1/flavors/:id/action',
      policy: rule('os-flavor-access:add_tenant_access'),
      schema: {
        params: idParams,
        body: {
          type: 'object',
          minProperties: 1,
          maxProperties: 1,
          properties: {
            addTenantAccess: accessBody,
            removeTenantAccess: accessBody,
          },
          additionalProperties: false,
        },
      },
      errors: [404, 409],
      handler: async (input) => {
        const body = input.body as {
          addTenantAccess?: { tenant: string }
          removeTenantAccess?: { tenant: string }
        }
        const add = body.addTenantAccess !== undefined
        input.authorizeRule(
          rule(
            add ? 'os-flavor-access:add_tenant_access' : 'os-flavor-access:remove_tenant_access',
          ),
        )
        const id = input.params['id'] ?? ''
        const project = (body.addTenantAccess ?? body.removeTenantAccess)?.tenant ?? ''
        const projects = await changeFlavorAccess(ctx, id, project, add)
        return {
          status: 200,
          body: { flavor_access: projects.map((p) => ({ flavor_id: id, tenant_id: p })) },
        }
      },
    },
  ]
}
