/** @module compute/test/servers-api.test: servers through HTTP, down to the fake driver and back */
import { afterEach, describe, expect, it } from 'vitest'
import { FakeDriver } from '../virt/fake/fake-driver.js'
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

async function portsOf(f: ComputeFixture, serverId: string): Promise<Json[]> {
  const res = await f.request(admin, {
    method: 'GET',
    url: `/networking/v2.0/ports?device_id=${serverId}`,
  })
  return (res.json() as { ports: Json[] }).ports
}

async function allocationsOf(f: ComputeFixture, consumer: string): Promise<Json> {
  const res = await f.request(admin, { method: 'GET', url: `/placement/allocations/${consumer}` })
  return (res.json() as { allocations: Json }).allocations
}

async function action(f: ComputeFixture, caller: typeof alice, id: string, body: Json) {
  return f.request(caller, {
    method: 'POST',
    url: `/compute/v2.1/servers/${id}/action`,
    payload: body,
  })
}

describe('servers', () => {
  it('builds a server to ACTIVE with a bound port and a placement claim, and deleting releases both', async () => {
    fx = await createComputeFixture()
    const id = await fx.boot(alice)
    const s = await fx.waitFor(alice, id, 'ACTIVE')
    expect(s['OS-EXT-STS:vm_state']).toBe('active')
    expect(s['OS-EXT-STS:task_state']).toBeNull()
    expect(s['OS-EXT-STS:power_state']).toBe(1)
    const ports = await portsOf(fx, id)
    expect(ports).toHaveLength(1)
    expect(ports[0]?.['binding:host_id']).toBe('host1')
    expect(Object.keys((s['addresses'] as Json)['private'] as Json[])).toHaveLength(1)
    expect(Object.values(await allocationsOf(fx, id))).toEqual([
      expect.objectContaining({ resources: { VCPU: 1, MEMORY_MB: 128, DISK_GB: 1 } }),
    ])
    const del = await fx.request(alice, { method: 'DELETE', url: `/compute/v2.1/servers/${id}` })
    expect(del.statusCode).toBe(204)
    await fx.server(alice, id)
    const gone = await fx.request(alice, { method: 'GET', url: `/compute/v2.1/servers/${id}` })
    expect(gone.statusCode).toBe(404)
    expect((gone.json() as Json)['itemNotFound']).toBeDefined()
    expect(await portsOf(fx, id)).toEqual([])
    expect(await allocationsOf(fx, id)).toEqual({})
  })

  it('reschedules a failed spawn, then errors with a fault and leaks no port or allocation', async () => {
    const hostsTried: string[] = []
    fx = await createComputeFixture({
      hosts: ['h1', 'h2'],
      driverFor: () =>
        new FakeDriver({
          failSpawn: (_spec, host) => {
            hostsTried.push(host)
            return new Error(`disk full on ${host}`)
          },
        }),
    })
    const id = await fx.boot(alice)
    const s = await fx.waitFor(alice, id, 'ERROR')
    expect(hostsTried.sort()).toEqual(['h1', 'h2'])
    const fault = s['fault'] as Json
    expect(fault['code']).toBe(500)
    expect(String(fault['message'])).toMatch(/No valid host|disk full/)
    expect(await portsOf(fx, id)).toEqual([])
    expect(await allocationsOf(fx, id)).toEqual({})
    const actions = await fx.request(alice, {
      method: 'GET',
      url: `/compute/v2.1/servers/${id}/os-instance-actions`,
    })
    const req = ((actions.json() as { instanceActions: Json[] }).instanceActions[0] as Json)[
      'request_id'
    ]
    const detail = await fx.request(admin, {
      method: 'GET',
      url: `/compute/v2.1/servers/${id}/os-instance-actions/${String(req)}`,
    })
    const events = ((detail.json() as Json)['instanceAction'] as Json)['events'] as Json[]
    expect(events.some((e) => e['result'] === 'Error')).toBe(true)
  })

  it('keeps anti-affinity members on different hosts and explains the refusal of a third', async () => {
    fx = await createComputeFixture({ hosts: ['h1', 'h2'] })
    const g = await fx.request(alice, {
      method: 'POST',
      url: '/compute/v2.1/os-server-groups',
      payload: { server_group: { name: 'g', policies: ['anti-affinity'] } },
    })
    const group = String(((g.json() as Json)['server_group'] as Json)['id'])
    const hints = { 'os:scheduler_hints': { group } }
    const a = await fx.boot(alice, { name: 'a' }, hints)
    await fx.waitFor(alice, a, 'ACTIVE')
    const b = await fx.boot(alice, { name: 'b' }, hints)
    await fx.waitFor(alice, b, 'ACTIVE')
    const hostOf = async (id: string) => (await fx!.server(admin, id))['OS-EXT-SRV-ATTR:host']
    expect(new Set([await hostOf(a), await hostOf(b)]).size).toBe(2)
    const c = await fx.boot(alice, { name: 'c' }, hints)
    const s = await fx.waitFor(alice, c, 'ERROR')
    expect(String((s['fault'] as Json)['message'])).toContain('ServerGroupAntiAffinityFilter')
  })

  it('stops, starts, reboots, pauses, suspends and locks with Nova state checks', async () => {
    fx = await createComputeFixture()
    const id = await fx.boot(alice)
    await fx.waitFor(alice, id, 'ACTIVE')
    expect((await action(fx, alice, id, { 'os-start': null })).statusCode).toBe(409)
    expect((await action(fx, alice, id, { 'os-stop': null })).statusCode).toBe(202)
    await fx.waitFor(alice, id, 'SHUTOFF')
    expect((await action(fx, alice, id, { 'os-start': null })).statusCode).toBe(202)
    await fx.waitFor(alice, id, 'ACTIVE')
    expect((await action(fx, alice, id, { reboot: { type: 'HARD' } })).statusCode).toBe(202)
    await fx.waitFor(alice, id, 'ACTIVE')
    expect((await action(fx, alice, id, { pause: null })).statusCode).toBe(202)
    await fx.waitFor(alice, id, 'PAUSED')
    expect((await action(fx, alice, id, { unpause: null })).statusCode).toBe(202)
    expect((await action(fx, alice, id, { suspend: null })).statusCode).toBe(202)
    await fx.waitFor(alice, id, 'SUSPENDED')
    expect((await action(fx, alice, id, { resume: null })).statusCode).toBe(202)
    await fx.waitFor(alice, id, 'ACTIVE')
    expect((await action(fx, alice, id, { lock: null })).statusCode).toBe(202)
    const locked = await fx.request(alice, { method: 'DELETE', url: `/compute/v2.1/servers/${id}` })
    expect(locked.statusCode).toBe(409)
    expect((locked.json() as Json)['conflictingRequest']).toBeDefined()
    expect((await action(fx, alice, id, { unlock: null })).statusCode).toBe(202)
    expect((await action(fx, bob, id, { 'os-stop': null })).statusCode).toBe(404)
  })

  it('resizes to VERIFY_RESIZE holding both claims, and revert gives the old flavor and claim back', async () => {
    fx = await createComputeFixture()
    const id = await fx.boot(alice)
    await fx.waitFor(alice, id, 'ACTIVE')
    expect((await action(fx, alice, id, { resize: { flavorRef: '84' } })).statusCode).toBe(202)
    const resized = await fx.waitFor(alice, id, 'VERIFY_RESIZE')
    expect((resized['flavor'] as Json)['id']).toBe('84')
    const rp = Object.keys(await allocationsOf(fx, id))[0]
    const usage = await fx.request(admin, {
      method: 'GET',
      url: `/placement/resource_providers/${rp}/usages`,
    })
    expect((usage.json() as { usages: Json }).usages['MEMORY_MB']).toBe(128 + 192)
    expect((await action(fx, alice, id, { revertResize: null })).statusCode).toBe(202)
    const back = await fx.waitFor(alice, id, 'ACTIVE')
    expect((back['flavor'] as Json)['id']).toBe('42')
    const after = await fx.request(admin, {
      method: 'GET',
      url: `/placement/resource_providers/${rp}/usages`,
    })
    expect((after.json() as { usages: Json }).usages['MEMORY_MB']).toBe(128)
  })

  it('negotiates microversions: tags need 2.26, 2.200 is refused with 406', async () => {
    fx = await createComputeFixture()
    const id = await fx.boot(alice)
    const old = await fx.request(alice, { method: 'GET', url: `/compute/v2.1/servers/${id}/tags` })
    expect(old.statusCode).toBe(404)
    const tags = await fx.request(alice, {
      method: 'PUT',
      url: `/compute/v2.1/servers/${id}/tags/blue`,
      headers: { 'openstack-api-version': 'compute 2.26' },
    })
    expect(tags.statusCode).toBe(201)
    expect(tags.headers['openstack-api-version']).toBe('compute 2.26')
    expect((await fx.server(alice, id, '2.26'))['tags']).toEqual(['blue'])
    const bad = await fx.request(alice, {
      method: 'GET',
      url: '/compute/v2.1/servers',
      headers: { 'openstack-api-version': 'compute 2.200' },
    })
    expect(bad.statusCode).toBe(406)
  })

  it('refuses a create over the instance quota with 403', async () => {
    fx = await createComputeFixture()
    const set = await fx.request(admin, {
      method: 'PUT',
      url: `/compute/v2.1/os-quota-sets/${alice.projectId}`,
      payload: { quota_set: { instances: 1 } },
    })
    expect(set.statusCode).toBe(200)
    await fx.boot(alice)
    const over = await fx.request(alice, {
      method: 'POST',
      url: '/compute/v2.1/servers',
      payload: {
        server: {
          name: 'x',
          imageRef: fx.imageId,
          flavorRef: '42',
          networks: [{ uuid: fx.networkId }],
        },
      },
    })
    expect(over.statusCode).toBe(403)
    expect(String(((over.json() as Json)['forbidden'] as Json)['message'])).toContain('instances')
  })

  it('notices a guest that stopped on its own and shows the server SHUTOFF', async () => {
    const driver = new FakeDriver()
    fx = await createComputeFixture({ driverFor: () => driver, periodicMs: 20 })
    const id = await fx.boot(alice)
    await fx.waitFor(alice, id, 'ACTIVE')
    await driver.powerOff(id)
    const s = await fx.waitFor(alice, id, 'SHUTOFF')
    expect(s['OS-EXT-STS:power_state']).toBe(4)
  })

  it('places a server in the availability zone an aggregate gives its host', async () => {
    fx = await createComputeFixture({ hosts: ['h1', 'h2'] })
    const agg = await fx.request(admin, {
      method: 'POST',
      url: '/compute/v2.1/os-aggregates',
      payload: { aggregate: { name: 'rack2', availability_zone: 'az2' } },
    })
    expect(agg.statusCode).toBe(200)
    const id = ((agg.json() as Json)['aggregate'] as Json)['id']
    const add = await fx.request(admin, {
      method: 'POST',
      url: `/compute/v2.1/os-aggregates/${String(id)}/action`,
      payload: { add_host: { host: 'h2' } },
    })
    expect(((add.json() as Json)['aggregate'] as Json)['hosts']).toEqual(['h2'])
    const vm = await fx.boot(alice, { availability_zone: 'az2' })
    const s = await fx.waitFor(alice, vm, 'ACTIVE')
    expect(s['OS-EXT-AZ:availability_zone']).toBe('az2')
    expect((await fx.server(admin, vm))['OS-EXT-SRV-ATTR:host']).toBe('h2')
    const bad = await fx.request(alice, {
      method: 'POST',
      url: '/compute/v2.1/servers',
      payload: {
        server: { name: 'x', imageRef: fx.imageId, flavorRef: '42', availability_zone: 'nowhere' },
      },
    })
    expect(bad.statusCode).toBe(400)
  })

  it('uploads a snapshot to the image service and rotates backups', async () => {
    // the driver says what its snapshot is, as the qemu driver's is a qcow2 disk
    const formats = { diskFormat: 'qcow2', containerFormat: 'bare' }
    fx = await createComputeFixture({
      driverFor: () => new FakeDriver({ snapshotFormats: formats }),
    })
    const id = await fx.boot(alice)
    await fx.waitFor(alice, id, 'ACTIVE')
    const snap = await action(fx, alice, id, { createImage: { name: 'snap' } })
    expect(snap.statusCode).toBe(202)
    const imageId = String(snap.headers['location']).split('/').pop()
    await fx.waitFor(alice, id, 'ACTIVE')
    const image = await fx.request(alice, { method: 'GET', url: `/image/v2/images/${imageId}` })
    expect(image.json()).toMatchObject({
      status: 'active',
      instance_uuid: id,
      owner: alice.projectId,
      disk_format: 'qcow2',
      container_format: 'bare',
    })
    for (const name of ['b1', 'b2', 'b3']) {
      const r = await action(fx, alice, id, {
        createBackup: { name, backup_type: 'daily', rotation: 2 },
      })
      expect(r.statusCode).toBe(202)
      await fx.waitFor(alice, id, 'ACTIVE')
    }
    const list = await fx.request(admin, { method: 'GET', url: '/image/v2/images?limit=100' })
    const backups = (list.json() as { images: Json[] }).images.filter(
      (i) => i['image_type'] === 'backup' && i['instance_uuid'] === id,
    )
    expect(backups.map((b) => b['name']).sort()).toEqual(['b2', 'b3'])
  })
})
