/** @module compute/test/shelve-api.test: shelve, offload and unshelve with their snapshots and claims */
import { afterEach, describe, expect, it } from 'vitest'
import { FakeDriver } from '../virt/fake/fake-driver.js'
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

async function action(f: ComputeFixture, caller: typeof alice, id: string, body: Json, mv = '2.1') {
  return f.request(caller, {
    method: 'POST',
    url: `/compute/v2.1/servers/${id}/action`,
    headers: { 'openstack-api-version': `compute ${mv}` },
    payload: body,
  })
}

async function allocationsOf(f: ComputeFixture, consumer: string): Promise<Json> {
  const res = await f.request(admin, { method: 'GET', url: `/placement/allocations/${consumer}` })
  return (res.json() as { allocations: Json }).allocations
}

async function shelvedImages(f: ComputeFixture, id: string): Promise<Json[]> {
  const res = await f.request(admin, { method: 'GET', url: '/image/v2/images' })
  return (res.json() as { images: Json[] }).images.filter((i) => i['instance_uuid'] === id)
}

async function port(f: ComputeFixture, id: string): Promise<Json | undefined> {
  const res = await f.request(admin, {
    method: 'GET',
    url: `/networking/v2.0/ports?device_id=${id}`,
  })
  return (res.json() as { ports: Json[] }).ports[0]
}

describe('shelve', () => {
  it('shelves to SHELVED_OFFLOADED with a snapshot, no host and no claim, and unshelves to ACTIVE', async () => {
    const drivers: FakeDriver[] = []
    fx = await createComputeFixture({
      hosts: ['h1', 'h2'],
      driverFor: () => {
        const d = new FakeDriver()
        drivers.push(d)
        return d
      },
    })
    const id = await fx.boot(alice, { name: 'box' })
    await fx.waitFor(alice, id, 'ACTIVE')
    expect((await action(fx, alice, id, { shelve: null })).statusCode).toBe(202)
    const s = await fx.waitFor(admin, id, 'SHELVED_OFFLOADED')
    expect(s['OS-EXT-SRV-ATTR:host']).toBeNull()
    expect(s['OS-EXT-STS:task_state']).toBeNull()
    expect(s['OS-EXT-STS:power_state']).toBe(0)
    const [image] = await shelvedImages(fx, id)
    expect(image).toMatchObject({ name: 'box-shelved', status: 'active', image_type: 'snapshot' })
    expect(await allocationsOf(fx, id)).toEqual({})
    expect((await port(fx, id))?.['binding:host_id']).toBe('')
    expect((await Promise.all(drivers.map((d) => d.listGuests()))).flat()).toEqual([])
    expect((await action(fx, alice, id, { shelve: null })).statusCode).toBe(409)
    expect((await action(fx, alice, id, { 'os-start': null })).statusCode).toBe(409)

    expect((await action(fx, alice, id, { unshelve: null })).statusCode).toBe(202)
    const back = await fx.waitFor(admin, id, 'ACTIVE')
    const host = back['OS-EXT-SRV-ATTR:host']
    expect(['h1', 'h2']).toContain(host)
    expect((await port(fx, id))?.['binding:host_id']).toBe(host)
    expect(Object.values(await allocationsOf(fx, id))).toHaveLength(1)
    expect(await shelvedImages(fx, id)).toEqual([])
    expect((back['image'] as Json)['id']).toBe(fx.imageId)
  })

  it('keeps the guest on its host with shelved_offload_time -1, then offloads on request (admin)', async () => {
    fx = await createComputeFixture({ config: { shelvedOffloadTime: -1 } })
    const id = await fx.boot(alice)
    await fx.waitFor(alice, id, 'ACTIVE')
    await action(fx, alice, id, { shelve: {} })
    const s = await fx.waitFor(admin, id, 'SHELVED')
    expect(s['OS-EXT-SRV-ATTR:host']).toBe('host1')
    expect(s['OS-EXT-STS:power_state']).toBe(4)
    expect(Object.values(await allocationsOf(fx, id))).toHaveLength(1)
    expect((await action(fx, alice, id, { shelveOffload: null })).statusCode).toBe(403)
    expect((await action(fx, admin, id, { shelveOffload: null })).statusCode).toBe(202)
    await fx.waitFor(admin, id, 'SHELVED_OFFLOADED')
    expect(await allocationsOf(fx, id)).toEqual({})
    expect((await action(fx, admin, id, { shelveOffload: null })).statusCode).toBe(409)
  })

  it('unshelves a SHELVED server on its own host and deletes the snapshot', async () => {
    fx = await createComputeFixture({ config: { shelvedOffloadTime: -1 } })
    const id = await fx.boot(alice)
    await fx.waitFor(alice, id, 'ACTIVE')
    await action(fx, alice, id, { shelve: null })
    await fx.waitFor(admin, id, 'SHELVED')
    const az = await action(fx, alice, id, { unshelve: { availability_zone: 'nova' } }, '2.77')
    expect(az.statusCode).toBe(409)
    expect((await action(fx, alice, id, { unshelve: null })).statusCode).toBe(202)
    const s = await fx.waitFor(admin, id, 'ACTIVE')
    expect(s['OS-EXT-STS:power_state']).toBe(1)
    expect(await shelvedImages(fx, id)).toEqual([])
  })

  it('checks the unshelve availability zone from 2.77 and deletes an offloaded server cleanly', async () => {
    fx = await createComputeFixture()
    const id = await fx.boot(alice)
    await fx.waitFor(alice, id, 'ACTIVE')
    await action(fx, alice, id, { shelve: null })
    await fx.waitFor(admin, id, 'SHELVED_OFFLOADED')
    expect(
      (await action(fx, alice, id, { unshelve: { availability_zone: 'nova' } })).statusCode,
    ).toBe(400)
    const bad = await action(fx, alice, id, { unshelve: { availability_zone: 'mars' } }, '2.77')
    expect(bad.statusCode).toBe(400)
    const del = await fx.request(alice, { method: 'DELETE', url: `/compute/v2.1/servers/${id}` })
    expect(del.statusCode).toBe(204)
    await fx.server(alice, id)
    expect(await shelvedImages(fx, id)).toEqual([])
    expect(await port(fx, id)).toBeUndefined()
  })
})
