/** @module compute/test/interfaces-api.test: os-interface attach and detach through HTTP */
import { afterEach, describe, expect, it } from 'vitest'
import { FakeDriver } from '../virt/fake/fake-driver.js'
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

const drivers = new Map<string, FakeDriver>()

async function cloud(options: Parameters<typeof createComputeFixture>[0] = {}) {
  drivers.clear()
  fx = await createComputeFixture({
    driverFor: (host) => {
      const d = new FakeDriver()
      drivers.set(host, d)
      return d
    },
    ...options,
  })
  return fx
}

function iface(f: ComputeFixture, caller: TestCaller, id: string, opts: Json = {}) {
  const {
    method = 'GET',
    port,
    body,
    mv,
  } = opts as {
    method?: 'GET' | 'POST' | 'DELETE'
    port?: string
    body?: Json
    mv?: string
  }
  return f.request(caller, {
    method,
    url: `/compute/v2.1/servers/${id}/os-interface${port ? `/${port}` : ''}`,
    ...(body ? { payload: body } : {}),
    ...(mv ? { headers: { 'openstack-api-version': `compute ${mv}` } } : {}),
  })
}

async function net(f: ComputeFixture, name: string, cidr: string): Promise<string> {
  const res = await f.request(alice, {
    method: 'POST',
    url: '/networking/v2.0/networks',
    payload: { network: { name } },
  })
  const id = String(((res.json() as Json)['network'] as Json)['id'])
  await f.request(alice, {
    method: 'POST',
    url: '/networking/v2.0/subnets',
    payload: { subnet: { network_id: id, cidr, ip_version: 4 } },
  })
  return id
}

async function port(f: ComputeFixture, networkId: string, extra: Json = {}): Promise<Json> {
  const res = await f.request(alice, {
    method: 'POST',
    url: '/networking/v2.0/ports',
    payload: { port: { network_id: networkId, ...extra } },
  })
  expect(res.statusCode).toBe(201)
  return (res.json() as Json)['port'] as Json
}

/** The ports networking has bound to a server. */
async function portsOf(f: ComputeFixture, id: string): Promise<Json[]> {
  const res = await f.request(admin, {
    method: 'GET',
    url: `/networking/v2.0/ports?device_id=${id}`,
  })
  return (res.json() as { ports: Json[] }).ports
}

async function getPort(f: ComputeFixture, id: string) {
  return f.request(admin, { method: 'GET', url: `/networking/v2.0/ports/${id}` })
}

async function actions(f: ComputeFixture, id: string): Promise<Json[]> {
  const res = await f.request(admin, {
    method: 'GET',
    url: `/compute/v2.1/servers/${id}/os-instance-actions`,
  })
  return (res.json() as { instanceActions: Json[] }).instanceActions
}

async function events(f: ComputeFixture, id: string, requestId: string): Promise<Json[]> {
  const res = await f.request(admin, {
    method: 'GET',
    url: `/compute/v2.1/servers/${id}/os-instance-actions/${requestId}`,
    headers: { 'openstack-api-version': 'compute 2.51' },
  })
  return ((res.json() as Json)['instanceAction'] as { events: Json[] }).events
}

async function activeServer(f: ComputeFixture): Promise<string> {
  const id = await f.boot(alice)
  await f.waitFor(alice, id, 'ACTIVE')
  return id
}

describe('os-interface', () => {
  it('attaches a new port on a network, shows it everywhere, and deletes it on detach', async () => {
    const f = await cloud()
    const id = await activeServer(f)
    const second = await net(f, 'second', '10.2.0.0/24')

    const res = await iface(f, alice, id, {
      method: 'POST',
      body: { interfaceAttachment: { net_id: second, fixed_ips: [{ ip_address: '10.2.0.20' }] } },
    })
    expect(res.statusCode).toBe(200)
    const attached = (res.json() as { interfaceAttachment: Json }).interfaceAttachment
    expect(attached).toMatchObject({ net_id: second, port_state: 'ACTIVE' })
    expect(attached['fixed_ips']).toEqual([
      { subnet_id: expect.any(String), ip_address: '10.2.0.20' },
    ])
    expect(attached).not.toHaveProperty('tag')
    const portId = String(attached['port_id'])
    expect(String(attached['mac_addr'])).toMatch(/^fa:16:3e/)

    expect((await portsOf(f, id)).map((p) => p['id'])).toContain(portId)
    expect(await portsOf(f, id)).toHaveLength(2)
    const list = await iface(f, alice, id)
    const all = (list.json() as { interfaceAttachments: Json[] }).interfaceAttachments
    expect(all.find((a) => a['port_id'] === portId)).toEqual(attached)

    const server = await f.server(alice, id)
    expect(JSON.stringify(server['addresses'])).toContain('10.2.0.20')
    expect(
      drivers
        .get('host1')
        ?.vifsOf(id)
        .map((v) => v.portId),
    ).toContain(portId)
    const attach = (await actions(f, id)).find((a) => a['action'] === 'attach_interface')
    expect(attach).toBeDefined()
    const evs = await events(f, id, String(attach?.['request_id']))
    expect(evs).toEqual([
      expect.objectContaining({ event: 'compute_attach_interface', result: 'Success' }),
    ])

    const detach = await iface(f, alice, id, { method: 'DELETE', port: portId })
    expect(detach.statusCode).toBe(202)
    expect((await getPort(f, portId)).statusCode).toBe(404)
    expect(await portsOf(f, id)).toHaveLength(1)
    expect(drivers.get('host1')?.vifsOf(id)).toHaveLength(1)
    expect(JSON.stringify((await f.server(alice, id))['addresses'])).not.toContain('10.2.0.20')
    expect((await actions(f, id)).map((a) => a['action'])).toContain('detach_interface')
  })

  it('attaches a given port with a tag and only releases it on detach', async () => {
    const f = await cloud()
    const id = await activeServer(f)
    const p = await port(f, f.networkId)
    const portId = String(p['id'])

    const res = await iface(f, alice, id, {
      method: 'POST',
      mv: '2.70',
      body: { interfaceAttachment: { port_id: portId, tag: 'data' } },
    })
    expect(res.statusCode).toBe(200)
    expect((res.json() as Json)['interfaceAttachment']).toMatchObject({
      port_id: portId,
      tag: 'data',
    })
    const shown = await iface(f, alice, id, { port: portId, mv: '2.70' })
    expect((shown.json() as Json)['interfaceAttachment']).toMatchObject({ tag: 'data' })
    const listed = (await iface(f, alice, id, { mv: '2.70' })).json() as {
      interfaceAttachments: Json[]
    }
    expect(listed.interfaceAttachments.map((a) => a['tag']).sort()).toEqual(['data', null])
    const old = await iface(f, alice, id, { port: portId, mv: '2.69' })
    expect((old.json() as Json)['interfaceAttachment']).not.toHaveProperty('tag')
    const bound = (await getPort(f, portId)).json() as { port: Json }
    expect(bound.port).toMatchObject({ device_id: id, device_owner: 'compute:nova' })
    expect(bound.port['binding:host_id']).toBe('host1')

    expect((await iface(f, alice, id, { method: 'DELETE', port: portId })).statusCode).toBe(202)
    const kept = (await getPort(f, portId)).json() as { port: Json }
    expect(kept.port).toMatchObject({ device_id: '', device_owner: '' })
    expect(kept.port['binding:host_id']).toBe('')
    expect(await portsOf(f, id)).toHaveLength(1)
  })

  it('refuses malformed or conflicting requests with 400', async () => {
    const f = await cloud()
    const id = await activeServer(f)
    const p = await port(f, f.networkId)
    const post = (body: Json, mv?: string) =>
      iface(f, alice, id, { method: 'POST', body, ...(mv ? { mv } : {}) })

    const both = await post({ interfaceAttachment: { net_id: f.networkId, port_id: p['id'] } })
    expect(both.statusCode).toBe(400)
    expect(JSON.stringify(both.json())).toContain('Must not input both network_id and port_id')
    const ipOnly = await post({ interfaceAttachment: { fixed_ips: [{ ip_address: '10.1.0.9' }] } })
    expect(ipOnly.statusCode).toBe(400)
    expect(JSON.stringify(ipOnly.json())).toContain('Must input network_id')
    expect((await post({ interfaceAttachment: { port_id: p['id'], tag: 'x' } })).statusCode).toBe(
      400,
    )
    expect((await post({ interfaceAttachment: { net_id: 'nope' } })).statusCode).toBe(400)
    expect((await post({ interfaceAttachment: { bogus: 1 } })).statusCode).toBe(400)
    const badIp = await post({
      interfaceAttachment: { net_id: f.networkId, fixed_ips: [{ ip_address: '10.1' }] },
    })
    expect(badIp.statusCode).toBe(400)
    // nothing was attached by any of them
    expect(await portsOf(f, id)).toHaveLength(1)
  })

  it('answers 404 for unknown ports and networks, and for ports of other servers', async () => {
    const f = await cloud()
    const id = await activeServer(f)
    const other = await activeServer(f)
    const otherPort = String((await portsOf(f, other))[0]?.['id'])
    const missing = '00000000-0000-4000-8000-000000000000'
    const post = (body: Json) => iface(f, alice, id, { method: 'POST', body })
    expect((await post({ interfaceAttachment: { port_id: missing } })).statusCode).toBe(404)
    expect((await post({ interfaceAttachment: { net_id: missing } })).statusCode).toBe(404)
    expect((await iface(f, alice, id, { method: 'DELETE', port: otherPort })).statusCode).toBe(404)
    expect((await iface(f, alice, id, { method: 'DELETE', port: missing })).statusCode).toBe(404)
    // a port bound to another server is in use
    expect((await post({ interfaceAttachment: { port_id: otherPort } })).statusCode).toBe(409)
  })

  it("keeps other projects out and lets admins in (Nova's owner-or-admin policy)", async () => {
    const f = await cloud()
    const id = await activeServer(f)
    const bobPost = await iface(f, bob, id, {
      method: 'POST',
      body: { interfaceAttachment: { net_id: f.networkId } },
    })
    expect(bobPost.statusCode).toBe(404)
    const p = String((await portsOf(f, id))[0]?.['id'])
    const bobDelete = await iface(f, bob, id, { method: 'DELETE', port: p })
    expect(bobDelete.statusCode).toBe(404)
    expect(await portsOf(f, id)).toHaveLength(1)
    const byAdmin = await iface(f, admin, id, {
      method: 'POST',
      body: { interfaceAttachment: { net_id: f.networkId } },
    })
    expect(byAdmin.statusCode).toBe(200)
  })

  it('answers 409 for a server locked by its owner, unless an admin asks', async () => {
    const f = await cloud()
    const id = await activeServer(f)
    const body = { interfaceAttachment: { net_id: f.networkId } }
    const lock = await f.request(alice, {
      method: 'POST',
      url: `/compute/v2.1/servers/${id}/action`,
      payload: { lock: null },
    })
    expect(lock.statusCode).toBe(202)
    const locked = await iface(f, alice, id, { method: 'POST', body })
    expect(locked.statusCode).toBe(409)
    expect(JSON.stringify(locked.json())).toContain('is locked')
    expect((await iface(f, admin, id, { method: 'POST', body })).statusCode).toBe(200)
  })

  it('refuses a host without the capability with 409 and changes nothing', async () => {
    const f = await cloud({
      driverFor: () => new FakeDriver({ capabilities: { interfaceAttach: false } }),
    })
    const id = await activeServer(f)
    const p = await port(f, f.networkId)
    const res = await iface(f, alice, id, {
      method: 'POST',
      body: { interfaceAttachment: { port_id: p['id'] } },
    })
    expect(res.statusCode).toBe(409)
    expect(JSON.stringify(res.json())).toContain(
      'the compute driver of host host1 does not support interface attach and detach',
    )
    const kept = (await getPort(f, String(p['id']))).json() as { port: Json }
    expect(kept.port['device_id']).toBe('')
    expect((await actions(f, id)).map((a) => a['action'])).toEqual(['create'])
  })

  it('answers 409 for a suspended server, as its saved state holds the devices it had', async () => {
    const f = await cloud()
    const id = await activeServer(f)
    const suspend = await f.request(alice, {
      method: 'POST',
      url: `/compute/v2.1/servers/${id}/action`,
      payload: { suspend: null },
    })
    expect(suspend.statusCode).toBe(202)
    await f.waitFor(alice, id, 'SUSPENDED')
    const res = await iface(f, alice, id, {
      method: 'POST',
      body: { interfaceAttachment: { net_id: f.networkId } },
    })
    expect(res.statusCode).toBe(409)
    expect(JSON.stringify(res.json())).toContain('vm_state suspended')
  })

  it('answers 409 for a server still building', async () => {
    const f = await cloud({ driverFor: () => new FakeDriver({ spawnDelayMs: 60_000 }) })
    const id = await f.boot(alice)
    const res = await iface(f, alice, id, {
      method: 'POST',
      body: { interfaceAttachment: { net_id: f.networkId } },
    })
    expect(res.statusCode).toBe(409)
    expect(JSON.stringify(res.json())).toContain("Cannot 'attach_interface' instance")
  })

  it('leaves the server as it was when the hotplug fails, deleting the port it made', async () => {
    const f = await cloud({
      driverFor: () =>
        new FakeDriver({ failInterfaceAttach: () => new Error('no PCI slot left in the guest') }),
    })
    const id = await activeServer(f)
    const before = await f.server(alice, id)
    const res = await iface(f, alice, id, {
      method: 'POST',
      body: { interfaceAttachment: { net_id: f.networkId } },
    })
    expect(res.statusCode).toBe(500)
    expect(JSON.stringify(res.json())).toContain('no PCI slot left in the guest')
    expect(await portsOf(f, id)).toHaveLength(1)
    const after = await f.server(alice, id)
    expect(after['addresses']).toEqual(before['addresses'])
    expect(after['status']).toBe('ACTIVE')
    const attach = (await actions(f, id)).find((a) => a['action'] === 'attach_interface')
    const evs = await events(f, id, String(attach?.['request_id']))
    expect(evs[0]).toMatchObject({ event: 'compute_attach_interface', result: 'Error' })
    expect(String(evs[0]?.['traceback'])).toContain('no PCI slot left in the guest')
  })

  it('fails after vif_plugging_timeout when the port never comes up, keeping a given port', async () => {
    const f = await cloud({ config: { vifPluggingTimeout: 1 } })
    const id = await activeServer(f)
    const p = await port(f, f.networkId, { admin_state_up: false })
    const res = await iface(f, alice, id, {
      method: 'POST',
      body: { interfaceAttachment: { port_id: p['id'] } },
    })
    expect(res.statusCode).toBe(500)
    expect(JSON.stringify(res.json())).toContain('network-vif-plugged')
    const kept = (await getPort(f, String(p['id']))).json() as { port: Json }
    expect(kept.port['device_id']).toBe('')
    expect(drivers.get('host1')?.vifsOf(id)).toHaveLength(1)
  })

  it('deletes the ports it attached when the server is deleted', async () => {
    const f = await cloud()
    const id = await activeServer(f)
    const res = await iface(f, alice, id, {
      method: 'POST',
      body: { interfaceAttachment: { net_id: f.networkId } },
    })
    const portId = String(((res.json() as Json)['interfaceAttachment'] as Json)['port_id'])
    const del = await f.request(alice, { method: 'DELETE', url: `/compute/v2.1/servers/${id}` })
    expect(del.statusCode).toBe(204)
    await f.server(alice, id)
    expect((await getPort(f, portId)).statusCode).toBe(404)
  })
})
