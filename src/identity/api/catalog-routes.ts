/** @module identity/api/catalog-routes: /v3/regions, /v3/services and /v3/endpoints */
import type { Route, RouteInput } from '../../core/http/index.js'
import {
  type EndpointInterface,
  INTERFACES,
  listEndpointsBy,
  listRegionsBy,
  listServicesBy,
} from '../service/queries.js'
import {
  createEndpointIn,
  createRegionIn,
  createServiceIn,
  removeEndpoint,
  removeRegion,
  removeService,
  requireEndpoint,
  requireRegion,
  requireService,
  updateEndpointBy,
  updateRegionBy,
  updateServiceBy,
  type EndpointInput,
} from '../service/catalog.js'
import type { IdentityContext } from '../service/context.js'
import { baseUrl, listLinks } from './links.js'
import { extraFields, queryString } from './query.js'
import { boolean, descriptionString, params, wrapped } from './schemas.js'
import { endpointView, regionView, serviceView } from './views.js'

const regionProps = {
  id: { type: 'string', minLength: 1, maxLength: 255 },
  description: descriptionString,
  parent_region_id: { type: ['string', 'null'], maxLength: 255 },
}
const serviceProps = {
  type: { type: 'string', minLength: 1, maxLength: 255 },
  enabled: boolean,
  name: { type: 'string', maxLength: 255 },
  description: descriptionString,
}
const endpointProps = {
  service_id: { type: 'string', minLength: 1, maxLength: 64 },
  interface: { type: 'string', enum: [...INTERFACES] },
  url: { type: 'string', minLength: 1, maxLength: 2048, pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*://' },
  region_id: { type: ['string', 'null'], maxLength: 255 },
  region: { type: ['string', 'null'], maxLength: 255 },
  enabled: boolean,
}

function regionRoutes(ctx: IdentityContext): Route[] {
  const create = async (input: RouteInput, id?: string) => {
    const body = (input.body as { region?: Record<string, unknown> } | undefined)?.region ?? {}
    const givenId = id ?? (typeof body['id'] === 'string' ? body['id'] : undefined)
    const region = await createRegionIn(ctx, {
      ...(givenId !== undefined ? { id: givenId } : {}),
      ...(typeof body['description'] === 'string' ? { description: body['description'] } : {}),
      ...(body['parent_region_id'] !== undefined
        ? { parentRegionId: body['parent_region_id'] as string | null }
        : {}),
      extra: extraFields(body, ['id', 'description', 'parent_region_id', 'links']),
    })
    return { status: 201, body: { region: regionView(baseUrl(input), region) } }
  }
  return [
    {
      method: 'POST',
      path: '/regions',
      policy: 'identity:create_region',
      schema: { body: wrapped('region', { type: 'object', properties: regionProps }) },
      errors: [409],
      async handler(input) {
        input.authorize()
        return create(input)
      },
    },
    {
      method: 'PUT',
      path: '/regions/:regionId',
      policy: 'identity:create_region',
      schema: {
        params: params('regionId'),
        body: wrapped('region', { type: 'object', properties: regionProps }),
      },
      errors: [409],
      async handler(input) {
        input.authorize()
        return create(input, input.params['regionId'] as string)
      },
    },
    {
      method: 'GET',
      path: '/regions',
      policy: 'identity:list_regions',
      errors: [],
      async handler(input) {
        input.authorize()
        const parent = queryString(input.query, 'parent_region_id')
        const regions = await listRegionsBy(ctx, parent)
        const base = baseUrl(input)
        return {
          status: 200,
          body: { regions: regions.map((r) => regionView(base, r)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: '/regions/:regionId',
      policy: 'identity:get_region',
      schema: { params: params('regionId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        return {
          status: 200,
          body: {
            region: regionView(
              baseUrl(input),
              await requireRegion(ctx, input.params['regionId'] as string),
            ),
          },
        }
      },
    },
    {
      method: 'PATCH',
      path: '/regions/:regionId',
      policy: 'identity:update_region',
      schema: {
        params: params('regionId'),
        body: wrapped('region', { type: 'object', properties: regionProps }),
      },
      errors: [404],
      async handler(input) {
        input.authorize()
        const body = (input.body as { region: Record<string, unknown> }).region
        const region = await updateRegionBy(ctx, input.params['regionId'] as string, {
          ...(typeof body['description'] === 'string' ? { description: body['description'] } : {}),
          ...(body['parent_region_id'] !== undefined
            ? { parentRegionId: body['parent_region_id'] as string | null }
            : {}),
          extra: extraFields(body, ['id', 'description', 'parent_region_id', 'links']),
        })
        return { status: 200, body: { region: regionView(baseUrl(input), region) } }
      },
    },
    {
      method: 'DELETE',
      path: '/regions/:regionId',
      policy: 'identity:delete_region',
      schema: { params: params('regionId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        await removeRegion(ctx, input.params['regionId'] as string)
        return { status: 204 }
      },
    },
  ]
}

function serviceRoutes(ctx: IdentityContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/services',
      policy: 'identity:create_service',
      schema: {
        body: wrapped('service', { type: 'object', required: ['type'], properties: serviceProps }),
      },
      errors: [],
      async handler(input) {
        input.authorize()
        const body = (input.body as { service: Record<string, unknown> }).service
        const service = await createServiceIn(ctx, {
          type: body['type'] as string,
          ...(typeof body['enabled'] === 'boolean' ? { enabled: body['enabled'] } : {}),
          extra: extraFields(body, ['id', 'type', 'enabled', 'links']),
        })
        return { status: 201, body: { service: serviceView(baseUrl(input), service) } }
      },
    },
    {
      method: 'GET',
      path: '/services',
      policy: 'identity:list_services',
      errors: [],
      async handler(input) {
        input.authorize()
        const type = queryString(input.query, 'type')
        const name = queryString(input.query, 'name')
        let services = await listServicesBy(ctx, type !== undefined ? { type } : {})
        if (name !== undefined) services = services.filter((s) => s.extra['name'] === name)
        const base = baseUrl(input)
        return {
          status: 200,
          body: { services: services.map((s) => serviceView(base, s)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: '/services/:serviceId',
      policy: 'identity:get_service',
      schema: { params: params('serviceId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        return {
          status: 200,
          body: {
            service: serviceView(
              baseUrl(input),
              await requireService(ctx, input.params['serviceId'] as string),
            ),
          },
        }
      },
    },
    {
      method: 'PATCH',
      path: '/services/:serviceId',
      policy: 'identity:update_service',
      schema: {
        params: params('serviceId'),
        body: wrapped('service', { type: 'object', properties: serviceProps }),
      },
      errors: [404],
      async handler(input) {
        input.authorize()
        const body = (input.body as { service: Record<string, unknown> }).service
        const service = await updateServiceBy(ctx, input.params['serviceId'] as string, {
          ...(typeof body['type'] === 'string' ? { type: body['type'] } : {}),
          ...(typeof body['enabled'] === 'boolean' ? { enabled: body['enabled'] } : {}),
          extra: extraFields(body, ['id', 'type', 'enabled', 'links']),
        })
        return { status: 200, body: { service: serviceView(baseUrl(input), service) } }
      },
    },
    {
      method: 'DELETE',
      path: '/services/:serviceId',
      policy: 'identity:delete_service',
      schema: { params: params('serviceId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        await removeService(ctx, input.params['serviceId'] as string)
        return { status: 204 }
      },
    },
  ]
}

function endpointInput(body: Record<string, unknown>): EndpointInput {
  const region = body['region_id'] !== undefined ? body['region_id'] : body['region']
  return {
    ...(typeof body['service_id'] === 'string' ? { serviceId: body['service_id'] } : {}),
    ...(typeof body['interface'] === 'string'
      ? { interface: body['interface'] as EndpointInterface }
      : {}),
    ...(typeof body['url'] === 'string' ? { url: body['url'] } : {}),
    ...(region !== undefined ? { regionId: region as string | null } : {}),
    ...(typeof body['enabled'] === 'boolean' ? { enabled: body['enabled'] } : {}),
    extra: extraFields(body, [
      'id',
      'service_id',
      'interface',
      'url',
      'region_id',
      'region',
      'enabled',
      'links',
    ]),
  }
}

function endpointRoutes(ctx: IdentityContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/endpoints',
      policy: 'identity:create_endpoint',
      schema: {
        body: wrapped('endpoint', {
          type: 'object',
          required: ['service_id', 'interface', 'url'],
          properties: endpointProps,
        }),
      },
      errors: [],
      async handler(input) {
        input.authorize()
        const endpoint = await createEndpointIn(
          ctx,
          endpointInput((input.body as { endpoint: Record<string, unknown> }).endpoint),
        )
        return { status: 201, body: { endpoint: endpointView(baseUrl(input), endpoint) } }
      },
    },
    {
      method: 'GET',
      path: '/endpoints',
      policy: 'identity:list_endpoints',
      errors: [],
      async handler(input) {
        input.authorize()
        const serviceId = queryString(input.query, 'service_id')
        const iface = queryString(input.query, 'interface')
        const regionId = queryString(input.query, 'region_id')
        const endpoints = await listEndpointsBy(ctx, {
          ...(serviceId !== undefined ? { serviceId } : {}),
          ...(iface !== undefined ? { interface: iface } : {}),
          ...(regionId !== undefined ? { regionId } : {}),
        })
        const base = baseUrl(input)
        return {
          status: 200,
          body: { endpoints: endpoints.map((e) => endpointView(base, e)), links: listLinks(input) },
        }
      },
    },
    {
      method: 'GET',
      path: '/endpoints/:endpointId',
      policy: 'identity:get_endpoint',
      schema: { params: params('endpointId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        return {
          status: 200,
          body: {
            endpoint: endpointView(
              baseUrl(input),
              await requireEndpoint(ctx, input.params['endpointId'] as string),
            ),
          },
        }
      },
    },
    {
      method: 'PATCH',
      path: '/endpoints/:endpointId',
      policy: 'identity:update_endpoint',
      schema: {
        params: params('endpointId'),
        body: wrapped('endpoint', { type: 'object', properties: endpointProps }),
      },
      errors: [404],
      async handler(input) {
        input.authorize()
        const endpoint = await updateEndpointBy(
          ctx,
          input.params['endpointId'] as string,
          endpointInput((input.body as { endpoint: Record<string, unknown> }).endpoint),
        )
        return { status: 200, body: { endpoint: endpointView(baseUrl(input), endpoint) } }
      },
    },
    {
      method: 'DELETE',
      path: '/endpoints/:endpointId',
      policy: 'identity:delete_endpoint',
      schema: { params: params('endpointId') },
      errors: [404],
      async handler(input) {
        input.authorize()
        await removeEndpoint(ctx, input.params['endpointId'] as string)
        return { status: 204 }
      },
    },
  ]
}

export function catalogRoutes(ctx: IdentityContext): Route[] {
  return [...regionRoutes(ctx), ...serviceRoutes(ctx), ...endpointRoutes(ctx)]
}
