/** @module compute/test/floating-ips-api.test: the os-floating-ips proxy and add/removeFloatingIp */
import { afterEach, describe, expect, it } from 'vitest'
import {
  admin,
  alice,
  createComputeFixture,
  type ComputeFixture,
  type Json,
} from './compute-fixture.js'

let fx: ComputeFixture | undefined
afterEach(async () => {
  await fx?.close()
  fx = undefined
})

async function net(f: ComputeFixture, path: string, body: Json): Promise<Json> {
  const res = await f.request(admin, {
    method: 'POST',
    url: `/networking/v2.0/${path}`,
    payload: body,
  })
  expect(res.statusCode).toBe(201)
  return res.json() as Json
}

/** A router from the fixture's private subnet to the `public` network the cloud starts with. */
async function withPublicNetwork(f: ComputeFixture): Promise<void> {
  const nets = await f.request(admin, {
    method: 'GET',
    url: '/networking/v2.0/networks?name=public',
  })
  const pub = (nets.json() as { networks: Json[] }).networks[0] as Json
  const router = (
    await net(f, 'routers', {
      router: { name: 'r', external_gateway_info: { network_id: pub['id'] } },
    })
  )['router'] as Json
  const subnets = await f.request(admin, {
    method: 'GET',
    url: `/networking/v2.0/subnets?network_id=${f.networkId}`,
  })
  const subnet = (subnets.json() as { subnets: Json[] }).subnets[0]
  const add = await f.request(admin, {
    method: 'PUT',
    url: `/networking/v2.0/routers/${String(router['id'])}/add_router_interface`,
    payload: { subnet_id: subnet?.['id'] },
  })
  expect(add.statusCode).toBe(200)
}

function call(
  f: ComputeFixture,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  payload?: Json,
  mv = '2.1',
) {
  return f.request(alice, {
    method,
    url: `/compute/v2.1${url}`,
    headers: { 'openstack-api-version': `compute ${mv}` },
    ...(payload ? { payload } : {}),
  })
}

describe('os-floating-ips', () => {
  it('allocates, associates (shown as floating in addresses), disassociates and releases', async () => {
    fx = await createComputeFixture()
    await withPublicNetwork(fx)
    const id = await fx.boot(alice)
    await fx.waitFor(alice, id, 'ACTIVE')
    const pools = await call(fx, 'GET', '/os-floating-ip-pools')
    expect(pools.json()).toEqual({ floating_ip_pools: [{ name: 'public' }] })
    const created = await call(fx, 'POST', '/os-floating-ips', { pool: 'public' })
    expect(created.statusCode).toBe(200)
    const fip = (created.json() as { floating_ip: Json }).floating_ip
    expect(fip).toMatchObject({ pool: 'public', fixed_ip: null, instance_id: null })
    const address = String(fip['ip'])

    const add = await call(fx, 'POST', `/servers/${id}/action`, { addFloatingIp: { address } })
    expect(add.statusCode).toBe(202)
    const s = await fx.server(alice, id)
    const addrs = Object.values(s['addresses'] as Record<string, Json[]>).flat()
    expect(addrs).toContainEqual(
      expect.objectContaining({ addr: address, 'OS-EXT-IPS:type': 'floating' }),
    )
    const shown = await call(fx, 'GET', `/os-floating-ips/${String(fip['id'])}`)
    expect((shown.json() as { floating_ip: Json }).floating_ip).toMatchObject({ instance_id: id })
    const listed = await call(fx, 'GET', '/os-floating-ips')
    expect((listed.json() as { floating_ips: Json[] }).floating_ips).toHaveLength(1)

    const remove = await call(fx, 'POST', `/servers/${id}/action`, {
      removeFloatingIp: { address },
    })
    expect(remove.statusCode).toBe(202)
    const again = await call(fx, 'POST', `/servers/${id}/action`, { removeFloatingIp: { address } })
    expect(again.statusCode).toBe(409)
    expect((again.json() as Json)['conflictingRequest']).toBeDefined()
    const del = await call(fx, 'DELETE', `/os-floating-ips/${String(fip['id'])}`)
    expect(del.statusCode).toBe(202)
    const gone = await call(fx, 'GET', `/os-floating-ips/${String(fip['id'])}`)
    expect(gone.statusCode).toBe(404)
  })

  it('answers 404 for unknown pools and addresses, 400 for a foreign fixed address, and is gone at 2.36/2.44', async () => {
    fx = await createComputeFixture()
    await withPublicNetwork(fx)
    const id = await fx.boot(alice)
    await fx.waitFor(alice, id, 'ACTIVE')
    expect((await call(fx, 'POST', '/os-floating-ips', { pool: 'mars' })).statusCode).toBe(404)
    const missing = await call(fx, 'POST', `/servers/${id}/action`, {
      addFloatingIp: { address: '172.24.4.250' },
    })
    expect(missing.statusCode).toBe(404)
    const fip = ((await call(fx, 'POST', '/os-floating-ips', {})).json() as { floating_ip: Json })
      .floating_ip
    const foreign = await call(fx, 'POST', `/servers/${id}/action`, {
      addFloatingIp: { address: fip['ip'], fixed_address: '10.9.9.9' },
    })
    expect(foreign.statusCode).toBe(400)
    expect((await call(fx, 'GET', '/os-floating-ips', undefined, '2.36')).statusCode).toBe(404)
    const late = await call(
      fx,
      'POST',
      `/servers/${id}/action`,
      { addFloatingIp: { address: fip['ip'] } },
      '2.44',
    )
    expect(late.statusCode).toBe(400)
  })
})
