/** @module compute/test/vif-events.test: network-vif-plugged from networking, awaited by builds with a timeout */
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

async function downPort(f: ComputeFixture): Promise<string> {
  const res = await f.request(alice, {
    method: 'POST',
    url: '/networking/v2.0/ports',
    payload: { port: { network_id: f.networkId, admin_state_up: false } },
  })
  expect(res.statusCode).toBe(201)
  return String(((res.json() as Json)['port'] as Json)['id'])
}

async function raw(f: ComputeFixture, id: string): Promise<Json> {
  const res = await f.request(admin, { method: 'GET', url: `/compute/v2.1/servers/${id}` })
  return (res.json() as { server: Json }).server
}

/** Polls without waiting for the agents (a build waiting for events keeps them busy). */
async function until(f: ComputeFixture, id: string, ok: (s: Json) => boolean): Promise<Json> {
  for (let i = 0; i < 300; i++) {
    const s = await raw(f, id)
    if (ok(s)) return s
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`server ${id} never got there: ${JSON.stringify(await raw(f, id))}`)
}

function events(f: ComputeFixture, caller: typeof admin, body: Json, mv = '2.1') {
  return f.request(caller, {
    method: 'POST',
    url: '/compute/v2.1/os-server-external-events',
    headers: { 'openstack-api-version': `compute ${mv}` },
    payload: body,
  })
}

describe('network-vif-plugged', () => {
  it('builds at once when networking reports the port ACTIVE right away (noop driver)', async () => {
    fx = await createComputeFixture({ config: { vifPluggingTimeout: 300 } })
    const id = await fx.boot(alice)
    const s = await fx.waitFor(alice, id, 'ACTIVE')
    expect(s['OS-EXT-STS:task_state']).toBeNull()
  })

  it('waits for the port to become ACTIVE, then finishes the build', async () => {
    fx = await createComputeFixture({ config: { vifPluggingTimeout: 30 } })
    const port = await downPort(fx)
    const id = await fx.boot(alice, { networks: [{ port }] })
    await until(fx, id, (s) => s['OS-EXT-STS:task_state'] === 'spawning')
    await new Promise((r) => setTimeout(r, 50))
    expect((await raw(fx, id))['status']).toBe('BUILD')
    const up = await fx.request(alice, {
      method: 'PUT',
      url: `/networking/v2.0/ports/${port}`,
      payload: { port: { admin_state_up: true } },
    })
    expect(up.statusCode).toBe(200)
    const s = await until(fx, id, (x) => x['status'] === 'ACTIVE')
    expect(s['OS-EXT-SRV-ATTR:host']).toBe('host1')
  })

  it('fails the build without rescheduling when the event does not come in time', async () => {
    const spawned: string[] = []
    fx = await createComputeFixture({
      hosts: ['h1', 'h2'],
      config: { vifPluggingTimeout: 1 },
      driverFor: (host) => new FakeDriver({ failSpawn: () => void spawned.push(host) }),
    })
    const port = await downPort(fx)
    const id = await fx.boot(alice, { networks: [{ port }] })
    const s = await until(fx, id, (x) => x['status'] === 'ERROR')
    expect(spawned).toHaveLength(1)
    expect(String((s['fault'] as Json)['message'])).toContain(
      'Failed to allocate the network(s), not rescheduling',
    )
    const alloc = await fx.request(admin, { method: 'GET', url: `/placement/allocations/${id}` })
    expect((alloc.json() as Json)['allocations']).toEqual({})
    const p = await fx.request(admin, { method: 'GET', url: `/networking/v2.0/ports/${port}` })
    expect((p.json() as { port: Json }).port).toMatchObject({
      device_id: '',
      'binding:host_id': '',
    })
  })

  it('goes on after the timeout when vif_plugging_is_fatal is false', async () => {
    fx = await createComputeFixture({
      config: { vifPluggingTimeout: 1, vifPluggingIsFatal: false },
    })
    const port = await downPort(fx)
    const id = await fx.boot(alice, { networks: [{ port }] })
    await until(fx, id, (x) => x['status'] === 'ACTIVE')
  })
})

describe('os-server-external-events', () => {
  it('answers 200, 207 or 404 per event as Nova does, for services and admins only', async () => {
    fx = await createComputeFixture()
    const id = await fx.boot(alice)
    await fx.waitFor(alice, id, 'ACTIVE')
    const one = { name: 'network-vif-plugged', server_uuid: id, tag: 'p', status: 'completed' }
    const ok = await events(fx, admin, { events: [one] })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({ events: [{ ...one, code: 200 }] })
    const unknown = { name: 'network-changed', server_uuid: 'nope' }
    const mixed = await events(fx, admin, { events: [one, unknown] })
    expect(mixed.statusCode).toBe(207)
    expect((mixed.json() as { events: Json[] }).events[1]).toMatchObject({
      code: 404,
      status: 'failed',
    })
    expect((await events(fx, admin, { events: [unknown] })).statusCode).toBe(404)
    expect((await events(fx, alice, { events: [one] })).statusCode).toBe(403)
    const early = { name: 'volume-extended', server_uuid: id }
    expect((await events(fx, admin, { events: [early] })).statusCode).toBe(400)
    expect((await events(fx, admin, { events: [early] }, '2.51')).statusCode).toBe(200)
    expect((await events(fx, admin, { events: [] })).statusCode).toBe(400)
  })
})
