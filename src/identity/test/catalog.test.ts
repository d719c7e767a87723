/** @module identity/test/catalog.test: regions, services, endpoints and the catalog tokens carry */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createIdentityFixture, type IdentityFixture, type Json } from './identity-fixture.js'

let fx: IdentityFixture

beforeEach(async () => {
  fx = await createIdentityFixture()
})

afterEach(async () => {
  await fx.close()
})

function admin(method: string, url: string, body?: unknown) {
  return fx.call(method, url, { token: fx.adminToken, ...(body !== undefined ? { body } : {}) })
}

async function createService(type: string, name: string, fields: Json = {}): Promise<Json> {
  const response = await admin('POST', '/v3/services', { service: { type, name, ...fields } })
  expect(response.status).toBe(201)
  return response.body.service
}

async function createEndpoint(fields: Json): Promise<Json> {
  const response = await admin('POST', '/v3/endpoints', { endpoint: fields })
  expect(response.status).toBe(201)
  return response.body.endpoint
}

/** The catalog of a fresh project-scoped admin token. */
async function tokenCatalog(): Promise<Json[]> {
  fx.tick()
  const issued = await fx.login({ name: 'admin' }, fx.adminPassword, {
    project: { name: 'admin', domain: { id: 'default' } },
  })
  return issued.body.token.catalog
}

describe('regions', () => {
  it('creates regions with a given or generated id, and a hierarchy', async () => {
    const put = await admin('PUT', '/v3/regions/RegionTwo', { region: { description: 'second' } })
    expect(put.status).toBe(201)
    expect(put.body.region).toMatchObject({
      id: 'RegionTwo',
      description: 'second',
      parent_region_id: null,
    })
    const child = await admin('POST', '/v3/regions', {
      region: { id: 'RegionTwo-a', parent_region_id: 'RegionTwo' },
    })
    expect(child.body.region.parent_region_id).toBe('RegionTwo')
    const generated = await admin('POST', '/v3/regions', { region: {} })
    expect(generated.body.region.id).toMatch(/^[0-9a-f]{32}$/)
    const children = await admin('GET', '/v3/regions?parent_region_id=RegionTwo')
    expect(children.body.regions.map((r: Json) => r.id)).toEqual(['RegionTwo-a'])
    expect((await admin('GET', '/v3/regions/RegionTwo-a')).body.region.id).toBe('RegionTwo-a')
  })

  it('lets any user read regions', async () => {
    const alice = await fx.createMember('alice')
    await admin('PUT', '/v3/regions/RegionTwo', { region: {} })
    const list = await fx.call('GET', '/v3/regions', { token: alice.token })
    expect(list.status).toBe(200)
    expect(list.body.regions.map((r: Json) => r.id)).toContain('RegionTwo')
  })

  it('refuses a duplicate id, an unknown parent and a cycle', async () => {
    await admin('PUT', '/v3/regions/A', { region: {} })
    expect((await admin('PUT', '/v3/regions/A', { region: {} })).status).toBe(409)
    const orphan = await admin('POST', '/v3/regions', {
      region: { id: 'B', parent_region_id: 'nowhere' },
    })
    expect(orphan.status).toBe(400)
    await admin('POST', '/v3/regions', { region: { id: 'B', parent_region_id: 'A' } })
    const cycle = await admin('PATCH', '/v3/regions/A', { region: { parent_region_id: 'B' } })
    expect(cycle.status).toBe(400)
    expect(cycle.body.error.message).toMatch(/cycle/)
    const self = await admin('PATCH', '/v3/regions/A', { region: { parent_region_id: 'A' } })
    expect(self.status).toBe(400)
  })

  it('refuses to delete a region with children, then deletes it once they are gone', async () => {
    await admin('PUT', '/v3/regions/A', { region: {} })
    await admin('PUT', '/v3/regions/B', { region: { parent_region_id: 'A' } })
    expect((await admin('DELETE', '/v3/regions/A')).status).toBe(403)
    expect((await admin('DELETE', '/v3/regions/B')).status).toBe(204)
    expect((await admin('DELETE', '/v3/regions/A')).status).toBe(204)
    expect((await admin('GET', '/v3/regions/A')).status).toBe(404)
  })

  it('refuses to delete a region that endpoints are in', async () => {
    await admin('PUT', '/v3/regions/A', { region: {} })
    const service = await createService('compute', 'nova')
    const endpoint = await createEndpoint({
      service_id: service.id,
      interface: 'public',
      url: 'http://x',
      region_id: 'A',
    })
    const refused = await admin('DELETE', '/v3/regions/A')
    expect(refused.status).toBe(403)
    expect(refused.body.error.message).toContain('endpoints')
    await admin('DELETE', `/v3/endpoints/${endpoint.id}`)
    expect((await admin('DELETE', '/v3/regions/A')).status).toBe(204)
  })

  it('updates the description and extra attributes', async () => {
    await admin('PUT', '/v3/regions/A', { region: { description: 'one', zone: 'x' } })
    const updated = await admin('PATCH', '/v3/regions/A', { region: { description: 'two' } })
    expect(updated.body.region).toMatchObject({ description: 'two', zone: 'x' })
  })
})

describe('services and endpoints', () => {
  it('creates, shows, filters, updates and deletes a service', async () => {
    const service = await createService('compute', 'nova', { description: 'Compute' })
    expect(service).toMatchObject({
      type: 'compute',
      name: 'nova',
      description: 'Compute',
      enabled: true,
    })
    expect((await admin('GET', `/v3/services/${service.id}`)).body.service).toEqual(service)
    await createService('image', 'glance')
    const byType = await admin('GET', '/v3/services?type=compute')
    expect(byType.body.services.map((s: Json) => s.name)).toEqual(['nova'])
    const byName = await admin('GET', '/v3/services?name=glance')
    expect(byName.body.services.map((s: Json) => s.type)).toEqual(['image'])
    const updated = await admin('PATCH', `/v3/services/${service.id}`, {
      service: { enabled: false, name: 'nova2' },
    })
    expect(updated.body.service).toMatchObject({ enabled: false, name: 'nova2' })
    expect((await admin('DELETE', `/v3/services/${service.id}`)).status).toBe(204)
    expect((await admin('GET', `/v3/services/${service.id}`)).status).toBe(404)
  })

  it('creates, filters, updates and deletes endpoints', async () => {
    const service = await createService('compute', 'nova')
    const endpoint = await createEndpoint({
      service_id: service.id,
      interface: 'public',
      url: 'http://cloud.example.com:8774/v2.1',
      region_id: 'RegionOne',
    })
    expect(endpoint).toMatchObject({
      service_id: service.id,
      interface: 'public',
      region_id: 'RegionOne',
      region: 'RegionOne',
      enabled: true,
    })
    await createEndpoint({ service_id: service.id, interface: 'internal', url: 'http://10.0.0.1' })
    const publicOnly = await admin('GET', `/v3/endpoints?service_id=${service.id}&interface=public`)
    expect(publicOnly.body.endpoints.map((e: Json) => e.id)).toEqual([endpoint.id])
    const updated = await admin('PATCH', `/v3/endpoints/${endpoint.id}`, {
      endpoint: { url: 'https://cloud.example.com/compute' },
    })
    expect(updated.body.endpoint.url).toBe('https://cloud.example.com/compute')
    expect((await admin('DELETE', `/v3/endpoints/${endpoint.id}`)).status).toBe(204)
    expect((await admin('GET', `/v3/endpoints/${endpoint.id}`)).status).toBe(404)
  })

  it('creates the region an endpoint names when it does not exist yet', async () => {
    const service = await createService('compute', 'nova')
    await createEndpoint({
      service_id: service.id,
      interface: 'public',
      url: 'http://x',
      region: 'Far',
    })
    expect((await admin('GET', '/v3/regions/Far')).status).toBe(200)
  })

  it('deletes the endpoints of a deleted service', async () => {
    const service = await createService('compute', 'nova')
    const endpoint = await createEndpoint({
      service_id: service.id,
      interface: 'public',
      url: 'http://x',
    })
    await admin('DELETE', `/v3/services/${service.id}`)
    expect((await admin('GET', `/v3/endpoints/${endpoint.id}`)).status).toBe(404)
  })

  it.each([
    [{ interface: 'public', url: 'http://x' }, "'endpoint.service_id'"],
    [{ service_id: 'SERVICE', interface: 'private', url: 'http://x' }, "'endpoint.interface'"],
    [{ service_id: 'SERVICE', interface: 'public', url: 'not a url' }, "'endpoint.url'"],
    [
      { service_id: 'SERVICE', interface: 'public', url: 'http://x', enabled: 'yes' },
      "'endpoint.enabled'",
    ],
  ])('refuses endpoint %j with 400 naming %s', async (fields, field) => {
    const service = await createService('compute', 'nova')
    const body = JSON.parse(JSON.stringify(fields).replace('SERVICE', service.id))
    const response = await admin('POST', '/v3/endpoints', { endpoint: body })
    expect(response.status).toBe(400)
    expect(response.body.error.message).toContain(field)
  })

  it('refuses an endpoint of a service that does not exist', async () => {
    const response = await admin('POST', '/v3/endpoints', {
      endpoint: { service_id: 'ghost', interface: 'public', url: 'http://x' },
    })
    expect(response.status).toBe(400)
    expect(response.body.error.message).toBe('Could not find service: ghost.')
  })

  it('keeps services and endpoints to admins', async () => {
    const alice = await fx.createMember('alice')
    for (const path of ['/v3/services', '/v3/endpoints']) {
      const response = await fx.call('GET', path, { token: alice.token })
      expect(response.status, path).toBe(403)
    }
  })
})

describe('the catalog', () => {
  it('shows enabled services with their enabled endpoints in tokens and /v3/auth/catalog', async () => {
    const nova = await createService('compute', 'nova')
    const off = await createService('volume', 'cinder', { enabled: false })
    const pub = await createEndpoint({
      service_id: nova.id,
      interface: 'public',
      url: 'http://nova',
      region_id: 'RegionOne',
    })
    await createEndpoint({
      service_id: nova.id,
      interface: 'admin',
      url: 'http://nova-admin',
      enabled: false,
    })
    await createEndpoint({ service_id: off.id, interface: 'public', url: 'http://cinder' })
    const expected = [
      {
        id: nova.id,
        type: 'compute',
        name: 'nova',
        endpoints: [
          {
            id: pub.id,
            interface: 'public',
            region: 'RegionOne',
            region_id: 'RegionOne',
            url: 'http://nova',
          },
        ],
      },
    ]
    expect(await tokenCatalog()).toEqual(expected)
    const catalog = await fx.call('GET', '/v3/auth/catalog', { token: fx.adminToken })
    expect(catalog.body.catalog).toEqual(expected)
  })

  it('shows a change to the catalog in the next token', async () => {
    expect(await tokenCatalog()).toEqual([])
    await fx.unit.register({ type: 'identity', name: 'keystone', url: 'http://id.example/v3' })
    const catalog = await tokenCatalog()
    expect(catalog).toHaveLength(1)
    expect(catalog[0].endpoints.map((e: Json) => e.interface).sort()).toEqual([
      'admin',
      'internal',
      'public',
    ])
    await fx.unit.register({ type: 'identity', name: 'keystone', url: 'http://moved.example/v3' })
    const moved = await tokenCatalog()
    expect(moved).toHaveLength(1)
    expect(moved[0].endpoints.every((e: Json) => e.url === 'http://moved.example/v3')).toBe(true)
  })

  it('gives an unscoped token an empty catalog', async () => {
    const token = await fx.token({ name: 'admin' }, fx.adminPassword, 'unscoped')
    const catalog = await fx.call('GET', '/v3/auth/catalog', { token })
    expect(catalog.status).toBe(200)
    expect(catalog.body.catalog).toEqual([])
  })
})
