/** @module compute/test/create-checks-api.test: what a create refuses up front, and what update, resize and rebuild keep */
import { afterEach, describe, expect, it } from 'vitest'
import {
  admin,
  alice,
  bob,
  createComputeFixture,
  type ComputeFixture,
  type Json,
  type TestCaller,
} from './compute-fixture.js'

let fx: ComputeFixture | undefined
afterEach(async () => {
  await fx?.close()
  fx = undefined
})

function create(f: ComputeFixture, caller: TestCaller, server: Json) {
  return f.request(caller, {
    method: 'POST',
    url: '/compute/v2.1/servers',
    payload: {
      server: {
        name: 'vm',
        imageRef: f.imageId,
        flavorRef: '42',
        networks: [{ uuid: f.networkId }],
        ...server,
      },
    },
  })
}

function badRequest(res: { statusCode: number; json(): unknown }): string {
  expect(res.statusCode).toBe(400)
  return String(((res.json() as Json)['badRequest'] as Json)['message'])
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await probe()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('server create checks', () => {
  it('refuses a private flavor the project was not given, and boots once it is', async () => {
    const f = (fx = await createComputeFixture())
    const made = await f.request(admin, {
      method: 'POST',
      url: '/compute/v2.1/flavors',
      payload: {
        flavor: {
          name: 'private',
          ram: 64,
          vcpus: 1,
          disk: 1,
          id: 'p1',
          'os-flavor-access:is_public': false,
        },
      },
    })
    expect(made.statusCode).toBe(200)
    expect(badRequest(await create(f, alice, { flavorRef: 'p1' }))).toContain('p1')
    const shared = await f.request(admin, {
      method: 'POST',
      url: '/compute/v2.1/flavors/p1/action',
      payload: { addTenantAccess: { tenant: alice.projectId } },
    })
    expect(shared.statusCode).toBe(200)
    expect((await create(f, alice, { flavorRef: 'p1' })).statusCode).toBe(202)
  })

  it('refuses a security group name the project does not have', async () => {
    const f = (fx = await createComputeFixture())
    const res = await create(f, alice, { security_groups: [{ name: 'no-such-group' }] })
    expect(badRequest(res)).toContain('no-such-group')
  })

  it('boots with the default group in a project networking has made no group for yet', async () => {
    const f = (fx = await createComputeFixture())
    const id = await f.boot(bob, { security_groups: [{ name: 'default' }] })
    expect((await f.waitFor(bob, id, 'ACTIVE'))['security_groups']).toEqual([{ name: 'default' }])
  })

  it('refuses to boot from a volume that is not bootable', async () => {
    const f = (fx = await createComputeFixture({ volumeCapacityGb: 10 }))
    const made = await f.request(alice, {
      method: 'POST',
      url: `/volume/v3/${alice.projectId}/volumes`,
      payload: { volume: { size: 1 } },
    })
    const volumeId = String(((made.json() as Json)['volume'] as Json)['id'])
    await until('the volume available', async () => {
      const v = await f.request(alice, {
        method: 'GET',
        url: `/volume/v3/${alice.projectId}/volumes/${volumeId}`,
      })
      return ((v.json() as Json)['volume'] as Json)['status'] === 'available' ? true : undefined
    })
    const res = await create(f, alice, {
      imageRef: '',
      block_device_mapping_v2: [
        { boot_index: 0, uuid: volumeId, source_type: 'volume', destination_type: 'volume' },
      ],
    })
    expect(badRequest(res)).toContain('is not bootable')
  })

  it('refuses networks auto when the project has no network to use, but not networks left out before 2.37', async () => {
    const f = (fx = await createComputeFixture())
    const res = await f.request(alice, {
      method: 'POST',
      url: '/compute/v2.1/servers',
      headers: { 'openstack-api-version': 'compute 2.37' },
      payload: { server: { name: 'vm', imageRef: f.imageId, flavorRef: '42', networks: 'auto' } },
    })
    expect(res.statusCode).toBe(202)
    await f.request(admin, {
      method: 'PUT',
      url: `/networking/v2.0/networks/${f.networkId}`,
      payload: { network: { shared: false } },
    })
    const refused = await f.request(alice, {
      method: 'POST',
      url: '/compute/v2.1/servers',
      headers: { 'openstack-api-version': 'compute 2.37' },
      payload: { server: { name: 'vm', imageRef: f.imageId, flavorRef: '42', networks: 'auto' } },
    })
    expect(badRequest(refused)).toContain('Unable to automatically allocate a network')
    // before 2.37 a create without networks still boots, without a network
    const implied = await f.request(alice, {
      method: 'POST',
      url: '/compute/v2.1/servers',
      payload: { server: { name: 'vm', imageRef: f.imageId, flavorRef: '42' } },
    })
    expect(implied.statusCode).toBe(202)
  })
})

describe('update, resize and rebuild answers', () => {
  const at = (mv: string) => ({ 'openstack-api-version': `compute ${mv}` })

  it('keeps user_data out of show and update, and answers a 2.57 rebuild with it', async () => {
    const f = (fx = await createComputeFixture())
    const userData = Buffer.from('#!/bin/sh\necho hi\n').toString('base64')
    const id = await f.boot(alice, { user_data: userData })
    await f.waitFor(alice, id, 'ACTIVE')
    for (const mv of ['2.57', '2.75']) {
      const shown = await f.request(alice, {
        method: 'GET',
        url: `/compute/v2.1/servers/${id}`,
        headers: at(mv),
      })
      expect(Object.keys((shown.json() as Json)['server'] as Json)).not.toContain('user_data')
      const updated = await f.request(alice, {
        method: 'PUT',
        url: `/compute/v2.1/servers/${id}`,
        headers: at(mv),
        payload: { server: { name: `renamed-${mv}` } },
      })
      expect(updated.statusCode).toBe(200)
      expect(Object.keys((updated.json() as Json)['server'] as Json)).not.toContain('user_data')
    }
    const rebuilt = await f.request(alice, {
      method: 'POST',
      url: `/compute/v2.1/servers/${id}/action`,
      headers: at('2.75'),
      payload: { rebuild: { imageRef: f.imageId } },
    })
    expect(rebuilt.statusCode).toBe(202)
    const view = (rebuilt.json() as Json)['server'] as Json
    expect(view['user_data']).toBe(userData)
    expect(Object.keys(view)).not.toContain('OS-EXT-SRV-ATTR:user_data')
  })

  it('keeps OS-DCF:diskConfig as an update and a resize give it', async () => {
    const f = (fx = await createComputeFixture())
    const id = await f.boot(alice)
    await f.waitFor(alice, id, 'ACTIVE')
    const updated = await f.request(alice, {
      method: 'PUT',
      url: `/compute/v2.1/servers/${id}`,
      payload: { server: { 'OS-DCF:diskConfig': 'AUTO' } },
    })
    expect(((updated.json() as Json)['server'] as Json)['OS-DCF:diskConfig']).toBe('AUTO')
    expect((await f.server(alice, id))['OS-DCF:diskConfig']).toBe('AUTO')
    const resized = await f.request(alice, {
      method: 'POST',
      url: `/compute/v2.1/servers/${id}/action`,
      payload: { resize: { flavorRef: '84', 'OS-DCF:diskConfig': 'MANUAL' } },
    })
    expect(resized.statusCode).toBe(202)
    expect((await f.server(alice, id))['OS-DCF:diskConfig']).toBe('MANUAL')
  })
})

describe('multi-create in a server group', () => {
  it('puts the servers of one anti-affinity create on different hosts', async () => {
    const f = (fx = await createComputeFixture({ hosts: ['h1', 'h2'] }))
    const group = await f.request(alice, {
      method: 'POST',
      url: '/compute/v2.1/os-server-groups',
      payload: { server_group: { name: 'apart', policies: ['anti-affinity'] } },
    })
    const groupId = String(((group.json() as Json)['server_group'] as Json)['id'])
    const res = await f.request(alice, {
      method: 'POST',
      url: '/compute/v2.1/servers',
      payload: {
        server: {
          name: 'apart',
          imageRef: f.imageId,
          flavorRef: '42',
          networks: [{ uuid: f.networkId }],
          min_count: 2,
          return_reservation_id: true,
        },
        'os:scheduler_hints': { group: groupId },
      },
    })
    expect(res.statusCode).toBe(202)
    const reservation = String((res.json() as Json)['reservation_id'])
    await f.bus.drain()
    for (const agent of f.compute.agents) await agent.idle()
    await f.bus.drain()
    const list = await f.request(admin, {
      method: 'GET',
      url: `/compute/v2.1/servers/detail?all_tenants=1&reservation_id=${reservation}`,
    })
    const hosts = (list.json() as { servers: Json[] }).servers.map((s) => s['OS-EXT-SRV-ATTR:host'])
    expect(hosts.sort()).toEqual(['h1', 'h2'])
  })
})
