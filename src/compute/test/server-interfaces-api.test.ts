/** @module compute/test/server-interfaces-api.test: a server's ports through os-interface */
import { afterEach, describe, expect, it } from 'vitest'
import {
  admin,
  alice,
  bob,
  createComputeFixture,
  type ComputeFixture,
  type Json,
} from './compute-fixture.js'

let fx: ComputeFixture | undefined
afterEach(async () => {
  await fx?.close()
  fx = undefined
})

describe('os-interface', () => {
  it('lists and shows the ports of a server as the networking service has them, 404 for another port or project', async () => {
    fx = await createComputeFixture()
    const id = await fx.boot(alice)
    await fx.waitFor(alice, id, 'ACTIVE')
    const ports = (
      (
        await fx.request(admin, { method: 'GET', url: `/networking/v2.0/ports?device_id=${id}` })
      ).json() as { ports: Json[] }
    ).ports
    expect(ports).toHaveLength(1)
    const port = ports[0] as Json
    const fixedIps = (port['fixed_ips'] as Json[]).map((ip) => ({
      subnet_id: ip['subnet_id'],
      ip_address: ip['ip_address'],
    }))
    const expected = {
      net_id: port['network_id'],
      port_id: port['id'],
      mac_addr: port['mac_address'],
      port_state: port['status'],
      fixed_ips: fixedIps,
    }
    expect(fixedIps).toHaveLength(1)

    const list = await fx.request(alice, {
      method: 'GET',
      url: `/compute/v2.1/servers/${id}/os-interface`,
    })
    expect(list.statusCode).toBe(200)
    expect((list.json() as Json)['interfaceAttachments']).toEqual([expected])

    const show = await fx.request(alice, {
      method: 'GET',
      url: `/compute/v2.1/servers/${id}/os-interface/${String(port['id'])}`,
      headers: { 'OpenStack-API-Version': 'compute 2.70' },
    })
    expect(show.statusCode).toBe(200)
    expect((show.json() as Json)['interfaceAttachment']).toEqual({ ...expected, tag: null })

    const otherPort = await fx.request(alice, {
      method: 'GET',
      url: `/compute/v2.1/servers/${id}/os-interface/00000000-0000-0000-0000-000000000000`,
    })
    expect(otherPort.statusCode).toBe(404)
    expect((otherPort.json() as Json)['itemNotFound']).toBeDefined()

    const otherProject = await fx.request(bob, {
      method: 'GET',
      url: `/compute/v2.1/servers/${id}/os-interface`,
    })
    expect(otherProject.statusCode).toBe(404)
  })
})
