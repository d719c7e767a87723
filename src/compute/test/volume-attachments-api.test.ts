/** @module compute/test/volume-attachments-api.test: attach and detach volumes through compute and block storage */
import { afterEach, describe, expect, it } from 'vitest'
import { FakeDriver } from '../virt/fake/fake-driver.js'
import type { ComputeDriver } from '../virt/compute-driver.js'
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

async function cloud(driver: ComputeDriver = new FakeDriver()) {
  fx = await createComputeFixture({ volumeCapacityGb: 20, driverFor: () => driver })
  return fx
}

const vol = (f: ComputeFixture, c: TestCaller) => `/volume/v3/${c.projectId}`

async function createVolume(f: ComputeFixture, c: TestCaller, size = 1): Promise<string> {
  const res = await f.request(c, {
    method: 'POST',
    url: `${vol(f, c)}/volumes`,
    payload: { volume: { size, name: 'data' } },
  })
  expect(res.statusCode).toBe(202)
  const id = String(((res.json() as Json)['volume'] as Json)['id'])
  await waitVolume(f, c, id, 'available')
  return id
}

async function volume(f: ComputeFixture, c: TestCaller, id: string): Promise<Json> {
  const res = await f.request(c, { method: 'GET', url: `${vol(f, c)}/volumes/${id}` })
  return (res.json() as Json)['volume'] as Json
}

async function waitVolume(f: ComputeFixture, c: TestCaller, id: string, status: string) {
  for (let i = 0; i < 200; i++) {
    await f.bus.drain()
    for (const a of f.compute.agents) await a.idle()
    const v = await volume(f, c, id)
    if (v?.['status'] === status) return v
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`volume ${id} never reached ${status}: ${JSON.stringify(await volume(f, c, id))}`)
}

function attach(f: ComputeFixture, c: TestCaller, server: string, body: Json, mv = '2.1') {
  return f.request(c, {
    method: 'POST',
    url: `/compute/v2.1/servers/${server}/os-volume_attachments`,
    headers: { 'openstack-api-version': `compute ${mv}` },
    payload: { volumeAttachment: body },
  })
}

function call(
  f: ComputeFixture,
  c: TestCaller,
  method: 'GET' | 'DELETE',
  path: string,
  mv = '2.1',
) {
  return f.request(c, {
    method,
    url: `/compute/v2.1/servers/${path}`,
    headers: { 'openstack-api-version': `compute ${mv}` },
  })
}

async function activeServer(f: ComputeFixture): Promise<string> {
  const id = await f.boot(alice)
  await f.waitFor(alice, id, 'ACTIVE')
  return id
}

describe('os-volume_attachments', () => {
  it('attaches a volume (reserved, then in-use at /dev/vdb) and detaches it (available again)', async () => {
    const driver = new FakeDriver()
    const f = await cloud(driver)
    const server = await activeServer(f)
    const v = await createVolume(f, alice)
    const res = await attach(f, alice, server, { volumeId: v })
    expect(res.statusCode).toBe(200)
    expect((res.json() as Json)['volumeAttachment']).toEqual({
      id: v,
      serverId: server,
      volumeId: v,
      device: '/dev/vdb',
    })
    const inUse = await waitVolume(f, alice, v, 'in-use')
    expect((inUse['attachments'] as Json[])[0]).toMatchObject({
      server_id: server,
      device: '/dev/vdb',
    })
    expect(driver.volumesOf(server).map((g) => [g.volumeId, g.device])).toEqual([[v, '/dev/vdb']])
    const shown = await f.server(alice, server, '2.3')
    expect(shown['os-extended-volumes:volumes_attached']).toEqual([
      { id: v, delete_on_termination: false },
    ])
    expect((await f.server(alice, server))['os-extended-volumes:volumes_attached']).toEqual([
      { id: v },
    ])
    const list = await call(f, alice, 'GET', `${server}/os-volume_attachments`)
    expect((list.json() as Json)['volumeAttachments']).toHaveLength(1)
    const del = await call(f, alice, 'DELETE', `${server}/os-volume_attachments/${v}`)
    expect(del.statusCode).toBe(202)
    await waitVolume(f, alice, v, 'available')
    expect(driver.volumesOf(server)).toEqual([])
    expect((await f.server(alice, server))['os-extended-volumes:volumes_attached']).toEqual([])
    const actions = await f.request(alice, {
      method: 'GET',
      url: `/compute/v2.1/servers/${server}/os-instance-actions`,
    })
    const names = ((actions.json() as Json)['instanceActions'] as Json[]).map((a) => a['action'])
    expect(names).toEqual(expect.arrayContaining(['attach_volume', 'detach_volume']))
  })

  it('assigns the next free device, pages with limit and offset, and shows fields per microversion', async () => {
    const f = await cloud()
    const server = await activeServer(f)
    const a = await createVolume(f, alice)
    const b = await createVolume(f, alice)
    expect((await attach(f, alice, server, { volumeId: a, device: '/dev/vdb' })).statusCode).toBe(
      200,
    )
    const second = await attach(
      f,
      alice,
      server,
      { volumeId: b, tag: 'db', delete_on_termination: true },
      '2.79',
    )
    expect((second.json() as Json)['volumeAttachment']).toEqual({
      id: b,
      serverId: server,
      volumeId: b,
      device: '/dev/vdc',
      tag: 'db',
      delete_on_termination: true,
    })
    await waitVolume(f, alice, b, 'in-use')
    const page = await call(f, alice, 'GET', `${server}/os-volume_attachments?limit=1&offset=1`)
    expect((page.json() as Json)['volumeAttachments']).toEqual([
      { id: b, serverId: server, volumeId: b, device: '/dev/vdc' },
    ])
    const at289 = await call(f, alice, 'GET', `${server}/os-volume_attachments/${b}`, '2.89')
    const view = (at289.json() as Json)['volumeAttachment'] as Json
    expect(view['id']).toBeUndefined()
    expect(view).toMatchObject({ volumeId: b, tag: 'db', delete_on_termination: true })
    expect(typeof view['attachment_id']).toBe('string')
    expect(typeof view['bdm_uuid']).toBe('string')
    const tagEarly = await attach(f, alice, server, { volumeId: a, tag: 'x' }, '2.48')
    expect(tagEarly.statusCode).toBe(400)
  })

  it('refuses an attached volume (400), a missing one (404), another project (404) and a locked server (409)', async () => {
    const f = await cloud()
    const server = await activeServer(f)
    const v = await createVolume(f, alice)
    expect((await attach(f, alice, server, { volumeId: v })).statusCode).toBe(200)
    await waitVolume(f, alice, v, 'in-use')
    const again = await attach(f, alice, server, { volumeId: v })
    expect(again.statusCode).toBe(400)
    expect(again.json()).toMatchObject({ badRequest: { code: 400 } })
    const other = await activeServer(f)
    const busy = await attach(f, alice, other, { volumeId: v })
    expect(busy.statusCode).toBe(400)
    expect(JSON.stringify(busy.json())).toContain('in-use')
    const missing = await attach(f, alice, server, {
      volumeId: '6b0c6f62-1111-4a4e-9e1f-7d1b0f1e0000',
    })
    expect(missing.statusCode).toBe(404)
    const bobs = await createVolume(f, bob)
    expect((await attach(f, alice, server, { volumeId: bobs })).statusCode).toBe(404)
    await f.request(admin, {
      method: 'POST',
      url: `/compute/v2.1/servers/${other}/action`,
      payload: { lock: null },
    })
    const free = await createVolume(f, alice)
    const locked = await attach(f, alice, other, { volumeId: free })
    expect(locked.statusCode).toBe(409)
    expect((await volume(f, alice, free))['status']).toBe('available')
    const notAttached = await call(f, alice, 'DELETE', `${server}/os-volume_attachments/${free}`)
    expect(notAttached.statusCode).toBe(404)
  })

  it('refuses with 409 before reserving anything when the driver cannot attach volumes', async () => {
    const driver = new FakeDriver()
    Object.defineProperty(driver, 'capabilities', {
      value: Object.freeze({ ...driver.capabilities, volumeAttach: false }),
    })
    const f = await cloud(driver)
    const server = await activeServer(f)
    const v = await createVolume(f, alice)
    const res = await attach(f, alice, server, { volumeId: v })
    expect(res.statusCode).toBe(409)
    expect(JSON.stringify(res.json())).toContain('does not support volume attach')
    expect((await volume(f, alice, v))['status']).toBe('available')
  })

  it('rolls back a failed plug: attachment deleted, volume available, the reason in the action event', async () => {
    const driver = new FakeDriver()
    driver.attachVolume = async () => {
      throw new Error('the hypervisor refused the disk')
    }
    const f = await cloud(driver)
    const server = await activeServer(f)
    const v = await createVolume(f, alice)
    expect((await attach(f, alice, server, { volumeId: v })).statusCode).toBe(200)
    await waitVolume(f, alice, v, 'available')
    expect((await f.server(alice, server))['os-extended-volumes:volumes_attached']).toEqual([])
    const actions = await f.request(admin, {
      method: 'GET',
      url: `/compute/v2.1/servers/${server}/os-instance-actions`,
    })
    const attachAction = ((actions.json() as Json)['instanceActions'] as Json[]).find(
      (a) => a['action'] === 'attach_volume',
    )
    const detail = await f.request(admin, {
      method: 'GET',
      url: `/compute/v2.1/servers/${server}/os-instance-actions/${String(attachAction?.['request_id'])}`,
      headers: { 'openstack-api-version': 'compute 2.51' },
    })
    const events = ((detail.json() as Json)['instanceAction'] as Json)['events'] as Json[]
    expect(events[0]).toMatchObject({ event: 'compute_attach_volume', result: 'Error' })
    expect(String(events[0]?.['traceback'])).toContain('the hypervisor refused the disk')
  })

  it('detaches every volume when the server is deleted and deletes those marked delete_on_termination', async () => {
    const f = await cloud()
    const server = await activeServer(f)
    const keep = await createVolume(f, alice)
    const drop = await createVolume(f, alice)
    await attach(f, alice, server, { volumeId: keep })
    await attach(f, alice, server, { volumeId: drop, delete_on_termination: true }, '2.79')
    await waitVolume(f, alice, drop, 'in-use')
    const refused = await f.request(alice, {
      method: 'DELETE',
      url: `${vol(f, alice)}/volumes/${keep}`,
    })
    expect(refused.statusCode).toBe(400)
    expect((await call(f, alice, 'DELETE', server)).statusCode).toBe(204)
    await waitVolume(f, alice, keep, 'available')
    for (let i = 0; i < 100; i++) {
      const res = await f.request(alice, { method: 'GET', url: `${vol(f, alice)}/volumes/${drop}` })
      if (res.statusCode === 404) return
      await new Promise((r) => setTimeout(r, 10))
    }
    throw new Error('the delete_on_termination volume was not deleted')
  })
})

describe('os-volumes proxy', () => {
  it('creates, lists, shows and deletes volumes through compute before 2.36, and is gone at 2.36', async () => {
    const f = await cloud()
    const req = (method: 'GET' | 'POST' | 'DELETE', path: string, mv = '2.35', payload?: Json) =>
      f.request(alice, {
        method,
        url: `/compute/v2.1/${path}`,
        headers: { 'openstack-api-version': `compute ${mv}` },
        ...(payload ? { payload } : {}),
      })
    const made = await req('POST', 'os-volumes', '2.35', {
      volume: { size: 1, display_name: 'proxied', metadata: { a: 'b' } },
    })
    expect(made.statusCode).toBe(200)
    const v = (made.json() as Json)['volume'] as Json
    expect(v).toMatchObject({ size: 1, displayName: 'proxied', metadata: { a: 'b' } })
    expect(v['attachments']).toEqual([{}])
    const id = String(v['id'])
    await waitVolume(f, alice, id, 'available')
    const list = await req('GET', 'os-volumes/detail')
    expect(((list.json() as Json)['volumes'] as Json[]).map((x) => x['id'])).toContain(id)
    const shown = await req('GET', `os-volumes/${id}`)
    expect(((shown.json() as Json)['volume'] as Json)['status']).toBe('available')
    expect((await req('GET', 'os-volumes', '2.36')).statusCode).toBe(404)
    expect((await req('GET', 'os-volumes/6b0c6f62-1111-4a4e-9e1f-7d1b0f1e0000')).statusCode).toBe(
      404,
    )
    expect((await req('GET', 'os-volumes/')).statusCode).toBe(404)
    const snap = await req('POST', 'os-snapshots', '2.35', {
      snapshot: { volume_id: id, display_name: 'snap' },
    })
    expect(snap.statusCode).toBe(200)
    const snapId = String(((snap.json() as Json)['snapshot'] as Json)['id'])
    expect((snap.json() as Json)['snapshot']).toMatchObject({ volumeId: id, displayName: 'snap' })
    const snaps = await req('GET', 'os-snapshots/detail')
    expect(((snaps.json() as Json)['snapshots'] as Json[]).map((x) => x['id'])).toContain(snapId)
    for (let i = 0; i < 100; i++) {
      const s = await req('GET', `os-snapshots/${snapId}`)
      if (((s.json() as Json)['snapshot'] as Json)['status'] === 'available') break
      await new Promise((r) => setTimeout(r, 20))
    }
    expect((await req('DELETE', `os-snapshots/${snapId}`)).statusCode).toBe(202)
    for (let i = 0; i < 100; i++) {
      if ((await req('GET', `os-snapshots/${snapId}`)).statusCode === 404) break
      await new Promise((r) => setTimeout(r, 20))
    }
    expect((await req('DELETE', `os-volumes/${id}`)).statusCode).toBe(202)
    const boot = await req('POST', 'os-volumes_boot', '2.1', {
      server: {
        name: 'legacy',
        imageRef: f.imageId,
        flavorRef: '42',
        networks: [{ uuid: f.networkId }],
      },
    })
    expect(boot.statusCode).toBe(202)
  })
})
