/** @module compute/test/migrate-api.test: cold migration with confirm/revert, evacuation, os-migrations */
import { afterEach, describe, expect, it } from 'vitest'
import { providerUuidFor } from '../model/host-provider.js'
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

const drivers = new Map<string, FakeDriver>()
async function twoHosts(): Promise<ComputeFixture> {
  drivers.clear()
  return createComputeFixture({
    hosts: ['h1', 'h2'],
    driverFor: (host) => {
      const d = new FakeDriver()
      drivers.set(host, d)
      return d
    },
  })
}

async function allocationsOf(f: ComputeFixture, consumer: string): Promise<Json> {
  const res = await f.request(admin, { method: 'GET', url: `/placement/allocations/${consumer}` })
  return (res.json() as { allocations: Json }).allocations
}

async function action(f: ComputeFixture, id: string, body: Json, microversion = '2.1') {
  return f.request(admin, {
    method: 'POST',
    url: `/compute/v2.1/servers/${id}/action`,
    headers: { 'openstack-api-version': `compute ${microversion}` },
    payload: body,
  })
}

async function migrations(f: ComputeFixture, microversion = '2.80'): Promise<Json[]> {
  const res = await f.request(admin, {
    method: 'GET',
    url: '/compute/v2.1/os-migrations',
    headers: { 'openstack-api-version': `compute ${microversion}` },
  })
  expect(res.statusCode).toBe(200)
  return (res.json() as { migrations: Json[] }).migrations
}

async function bootOn(f: ComputeFixture): Promise<{ id: string; host: string; other: string }> {
  const id = await f.boot(alice)
  await f.waitFor(alice, id, 'ACTIVE')
  const host = String((await f.server(admin, id))['OS-EXT-SRV-ATTR:host'])
  return { id, host, other: host === 'h1' ? 'h2' : 'h1' }
}

async function portHost(f: ComputeFixture, id: string): Promise<unknown> {
  const res = await f.request(admin, {
    method: 'GET',
    url: `/networking/v2.0/ports?device_id=${id}`,
  })
  return (res.json() as { ports: Json[] }).ports[0]?.['binding:host_id']
}

describe('cold migration', () => {
  it('moves a server to the other host in VERIFY_RESIZE, and confirm keeps it there', async () => {
    fx = await twoHosts()
    const { id, host, other } = await bootOn(fx)
    expect((await action(fx, id, { migrate: null })).statusCode).toBe(202)
    const s = await fx.waitFor(admin, id, 'VERIFY_RESIZE')
    expect(s['OS-EXT-SRV-ATTR:host']).toBe(other)
    expect(await portHost(fx, id)).toBe(other)
    const [m] = await migrations(fx)
    expect(m).toMatchObject({
      instance_uuid: id,
      migration_type: 'migration',
      status: 'finished',
      source_compute: host,
      dest_compute: other,
      project_id: alice.projectId,
    })
    const mid = String(m?.['uuid'])
    expect(Object.keys(await allocationsOf(fx, id))).toEqual([providerUuidFor(other)])
    expect(Object.keys(await allocationsOf(fx, mid))).toEqual([providerUuidFor(host)])
    expect(await drivers.get(host)?.powerState(id)).toBe(4)
    expect(await drivers.get(other)?.powerState(id)).toBe(1)
    expect((await action(fx, id, { confirmResize: null })).statusCode).toBe(204)
    const done = await fx.waitFor(admin, id, 'ACTIVE')
    expect(done['OS-EXT-SRV-ATTR:host']).toBe(other)
    expect(await allocationsOf(fx, mid)).toEqual({})
    expect(await drivers.get(host)?.listGuests()).toEqual([])
    expect((await migrations(fx))[0]?.['status']).toBe('confirmed')
  })

  it('reverts a migration back to the source host with its allocation and ports', async () => {
    fx = await twoHosts()
    const { id, host, other } = await bootOn(fx)
    await action(fx, id, { migrate: null })
    await fx.waitFor(admin, id, 'VERIFY_RESIZE')
    expect((await action(fx, id, { revertResize: null })).statusCode).toBe(202)
    const s = await fx.waitFor(admin, id, 'ACTIVE')
    expect(s['OS-EXT-SRV-ATTR:host']).toBe(host)
    expect(await portHost(fx, id)).toBe(host)
    expect(Object.keys(await allocationsOf(fx, id))).toEqual([providerUuidFor(host)])
    expect(await drivers.get(other)?.listGuests()).toEqual([])
    expect(await drivers.get(host)?.powerState(id)).toBe(1)
    const [m] = await migrations(fx)
    expect(m?.['status']).toBe('reverted')
    expect(await allocationsOf(fx, String(m?.['uuid']))).toEqual({})
  })

  it('migrates to a named host from 2.56 only, and refuses unknown and own hosts', async () => {
    fx = await twoHosts()
    const { id, host, other } = await bootOn(fx)
    expect((await action(fx, id, { migrate: { host: other } })).statusCode).toBe(400)
    expect((await action(fx, id, { migrate: { host } }, '2.56')).statusCode).toBe(400)
    expect((await action(fx, id, { migrate: { host: 'nope' } }, '2.56')).statusCode).toBe(400)
    const member = await fx.request(alice, {
      method: 'POST',
      url: `/compute/v2.1/servers/${id}/action`,
      payload: { migrate: null },
    })
    expect(member.statusCode).toBe(403)
    expect((await action(fx, id, { migrate: { host: other } }, '2.56')).statusCode).toBe(202)
    expect((await fx.waitFor(admin, id, 'VERIFY_RESIZE'))['OS-EXT-SRV-ATTR:host']).toBe(other)
    expect((await action(fx, id, { migrate: null })).statusCode).toBe(409)
  })

  it('leaves the server ACTIVE with a fault when no other host can take it', async () => {
    fx = await createComputeFixture({ hosts: ['h1'] })
    const id = await fx.boot(alice)
    await fx.waitFor(alice, id, 'ACTIVE')
    expect((await action(fx, id, { migrate: null })).statusCode).toBe(202)
    await fx.server(admin, id)
    const s = await fx.waitFor(admin, id, 'ACTIVE')
    expect(s['OS-EXT-STS:task_state']).toBeNull()
    expect(Object.keys(await allocationsOf(fx, id))).toEqual([providerUuidFor('h1')])
    expect((await migrations(fx))[0]?.['status']).toBe('error')
  })

  it('records resizes in os-migrations with fields by microversion', async () => {
    fx = await createComputeFixture()
    const id = await fx.boot(alice)
    await fx.waitFor(alice, id, 'ACTIVE')
    await action(fx, id, { resize: { flavorRef: '84' } })
    await fx.waitFor(admin, id, 'VERIFY_RESIZE')
    const [old] = await migrations(fx, '2.1')
    expect(old).not.toHaveProperty('migration_type')
    expect(old).not.toHaveProperty('uuid')
    expect(old).toMatchObject({ status: 'finished', old_instance_type_id: 42 })
    const [m] = await migrations(fx, '2.59')
    expect(m).toMatchObject({ migration_type: 'resize', status: 'finished' })
    expect(m).not.toHaveProperty('project_id')
  })
})

describe('evacuate', () => {
  async function forceDown(f: ComputeFixture, host: string, down: boolean) {
    const list = await f.request(admin, {
      method: 'GET',
      url: `/compute/v2.1/os-services?host=${host}&binary=nova-compute`,
      headers: { 'openstack-api-version': 'compute 2.53' },
    })
    const svc = (list.json() as { services: Json[] }).services[0]
    const res = await f.request(admin, {
      method: 'PUT',
      url: `/compute/v2.1/os-services/${String(svc?.['id'])}`,
      headers: { 'openstack-api-version': 'compute 2.53' },
      payload: { forced_down: down },
    })
    expect(res.statusCode).toBe(200)
  }

  it('refuses while the host is up, then rebuilds the server on another host once it is down', async () => {
    fx = await twoHosts()
    const { id, host, other } = await bootOn(fx)
    const busy = await action(fx, id, { evacuate: {} }, '2.14')
    expect(busy.statusCode).toBe(400)
    expect(JSON.stringify(busy.json())).toContain('still in use')
    await forceDown(fx, host, true)
    expect((await action(fx, id, { evacuate: { host } }, '2.14')).statusCode).toBe(400)
    expect((await action(fx, id, { evacuate: { host: 'nope' } }, '2.14')).statusCode).toBe(404)
    expect((await action(fx, id, { evacuate: {} })).statusCode).toBe(400)
    const ok = await action(fx, id, { evacuate: {} }, '2.14')
    expect(ok.statusCode).toBe(200)
    const s = await fx.waitFor(admin, id, 'ACTIVE')
    expect(s['OS-EXT-SRV-ATTR:host']).toBe(other)
    expect(await portHost(fx, id)).toBe(other)
    expect(await drivers.get(other)?.powerState(id)).toBe(1)
    const [m] = await migrations(fx)
    expect(m).toMatchObject({ migration_type: 'evacuation', status: 'done', dest_compute: other })
    expect(Object.keys(await allocationsOf(fx, id))).toEqual([providerUuidFor(other)])
    // The dead host's usage stays until it comes back.
    expect(Object.keys(await allocationsOf(fx, String(m?.['uuid'])))).toEqual([
      providerUuidFor(host),
    ])
  })

  it('answers adminPass before 2.14 and requires onSharedStorage there', async () => {
    fx = await twoHosts()
    const { id, host } = await bootOn(fx)
    await forceDown(fx, host, true)
    const res = await action(fx, id, { evacuate: { onSharedStorage: false, adminPass: 'pw' } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ adminPass: 'pw' })
    await fx.waitFor(admin, id, 'ACTIVE')
  })
})

describe('live migration', () => {
  it('moves a running server to the other host, ACTIVE throughout, and frees the source', async () => {
    fx = await twoHosts()
    const { id, host, other } = await bootOn(fx)
    const body = { 'os-migrateLive': { host: null, block_migration: 'auto' } }
    expect((await action(fx, id, body)).statusCode).toBe(400)
    expect(
      (await action(fx, id, { 'os-migrateLive': { host, block_migration: false } }, '2.25'))
        .statusCode,
    ).toBe(400)
    expect((await action(fx, id, body, '2.25')).statusCode).toBe(202)
    const s = await fx.waitFor(admin, id, 'ACTIVE')
    expect(s['OS-EXT-SRV-ATTR:host']).toBe(other)
    expect(s['OS-EXT-STS:task_state']).toBeNull()
    expect(await portHost(fx, id)).toBe(other)
    expect(await drivers.get(host)?.listGuests()).toEqual([])
    expect(await drivers.get(other)?.powerState(id)).toBe(1)
    const [m] = await migrations(fx)
    expect(m).toMatchObject({
      migration_type: 'live-migration',
      status: 'completed',
      dest_compute: other,
    })
    expect(Object.keys(await allocationsOf(fx, id))).toEqual([providerUuidFor(other)])
    expect(await allocationsOf(fx, String(m?.['uuid']))).toEqual({})
  })

  it('keeps a paused server paused and refuses a stopped one', async () => {
    fx = await twoHosts()
    const { id, other } = await bootOn(fx)
    await action(fx, id, { pause: null })
    await fx.waitFor(admin, id, 'PAUSED')
    const body = {
      'os-migrateLive': { host: other, block_migration: false, disk_over_commit: false },
    }
    expect((await action(fx, id, body)).statusCode).toBe(202)
    const s = await fx.waitFor(admin, id, 'PAUSED')
    expect(s['OS-EXT-SRV-ATTR:host']).toBe(other)
    expect(await drivers.get(other)?.powerState(id)).toBe(3)
    await action(fx, id, { unpause: null })
    await fx.waitFor(admin, id, 'ACTIVE')
    await action(fx, id, { 'os-stop': null })
    await fx.waitFor(admin, id, 'SHUTOFF')
    expect((await action(fx, id, body)).statusCode).toBe(409)
  })
})

describe('a host forced in availability_zone', () => {
  it('puts an admin server on the named host, every time', async () => {
    fx = await twoHosts()
    for (const host of ['h2', 'h1', 'h2']) {
      const id = await fx.boot(admin, { availability_zone: `nova:${host}` })
      const s = await fx.waitFor(admin, id, 'ACTIVE')
      expect(s['OS-EXT-SRV-ATTR:host']).toBe(host)
      expect(s['OS-EXT-AZ:availability_zone']).toBe('nova')
    }
    const id = await fx.boot(admin, { availability_zone: ':h1' })
    expect((await fx.waitFor(admin, id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('h1')
  })

  it('is refused to members, and for a host that does not exist', async () => {
    fx = await twoHosts()
    const create = (caller: typeof admin, zone: string) =>
      fx!.request(caller, {
        method: 'POST',
        url: '/compute/v2.1/servers',
        payload: {
          server: {
            name: 'vm',
            imageRef: fx!.imageId,
            flavorRef: '42',
            networks: [{ uuid: fx!.networkId }],
            availability_zone: zone,
          },
        },
      })
    const member = await create(alice, 'nova:h1')
    expect(member.statusCode).toBe(403)
    expect(member.body).toContain('forced_host')
    const unknown = await create(admin, 'nova:nowhere')
    expect(unknown.statusCode).toBe(400)
    expect(unknown.body).toContain('Compute host nowhere could not be found.')
    const zone = await create(admin, 'elsewhere:h1')
    expect(zone.statusCode).toBe(400)
  })
})
