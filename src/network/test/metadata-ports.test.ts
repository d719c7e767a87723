/** @module network/test/metadata-ports.test: the server finds the port behind a guest's metadata request */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { metadataPortFor } from '../service/metadata-ports.js'
import {
  admin,
  alice,
  createNetworkFixture,
  type Json,
  type NetworkFixture,
} from './network-fixture.js'

let fx: NetworkFixture
const ids: Record<string, string> = {}
const ipOf = (port: Json) => String((port['fixed_ips'] as { ip_address: string }[])[0]?.ip_address)

beforeAll(async () => {
  fx = await createNetworkFixture()
  for (const [name, cidr] of [
    ['routed', '10.31.0.0/24'],
    ['other', '10.31.0.0/24'],
    ['isolated', '10.32.0.0/24'],
  ] as const) {
    const net = await fx.create(alice, 'networks', 'network', { name })
    ids[name] = String(net['id'])
    const sub = await fx.create(alice, 'subnets', 'subnet', {
      network_id: net['id'],
      cidr,
      ip_version: 4,
    })
    ids[`${name}-subnet`] = String(sub['id'])
  }
  const router = await fx.create(alice, 'routers', 'router', { name: 'r' })
  ids['router'] = String(router['id'])
  const res = await fx.request(alice, {
    method: 'PUT',
    url: `/v2.0/routers/${ids['router']}/add_router_interface`,
    payload: { subnet_id: ids['routed-subnet'] },
  })
  expect(res.statusCode).toBe(200)
})
afterAll(async () => {
  await fx.close()
})

describe('metadata port lookup', () => {
  it('finds a server port behind a router by its address, with its project', async () => {
    const port = await fx.create(alice, 'ports', 'port', {
      network_id: ids['routed'],
      device_owner: 'compute:nova',
      device_id: 'server-1',
    })
    const found = await metadataPortFor(fx.unit.ctx, {
      routerId: ids['router'],
      address: ipOf(port),
    })
    expect(found).toEqual({
      id: port['id'],
      deviceId: 'server-1',
      deviceOwner: 'compute:nova',
      projectId: alice.projectId,
    })
  })

  it('looks only at the router networks, or at the one network given', async () => {
    // the same address on a network the router does not reach is not its guest
    const elsewhere = await fx.create(alice, 'ports', 'port', {
      network_id: ids['other'],
      device_owner: 'compute:nova',
      device_id: 'server-2',
      fixed_ips: [{ ip_address: '10.31.0.77' }],
    })
    expect(
      await metadataPortFor(fx.unit.ctx, { routerId: ids['router'], address: '10.31.0.77' }),
    ).toBeNull()
    expect(
      await metadataPortFor(fx.unit.ctx, { networkId: ids['other'], address: '10.31.0.77' }),
    ).toMatchObject({ id: elsewhere['id'], deviceId: 'server-2' })
    const isolated = await fx.create(admin, 'ports', 'port', {
      network_id: ids['isolated'],
      device_owner: 'compute:nova',
      device_id: 'server-3',
      project_id: alice.projectId,
    })
    expect(
      await metadataPortFor(fx.unit.ctx, { networkId: ids['isolated'], address: ipOf(isolated) }),
    ).toMatchObject({ deviceId: 'server-3', projectId: alice.projectId })
    expect(
      await metadataPortFor(fx.unit.ctx, { networkId: ids['isolated'], address: '10.32.0.250' }),
    ).toBeNull()
    expect(
      await metadataPortFor(fx.unit.ctx, { routerId: 'no-such-router', address: ipOf(isolated) }),
    ).toBeNull()
  })
})
