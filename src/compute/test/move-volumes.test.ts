/** @module compute/test/move-volumes.test: attached volumes follow a server's guest through its moves */
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

const drivers = new Map<string, FakeDriver>()
/** A host whose spawns fail from when it is set. */
let failingHost: string | undefined
async function twoHosts(): Promise<ComputeFixture> {
  drivers.clear()
  failingHost = undefined
  fx = await createComputeFixture({
    hosts: ['h1', 'h2'],
    volumeCapacityGb: 20,
    driverFor: (host) => {
      const d = new FakeDriver({
        failSpawn: () => (host === failingHost ? new Error('no room for the guest') : undefined),
      })
      drivers.set(host, d)
      return d
    },
  })
  return fx
}

const volumesUrl = `/volume/v3/${alice.projectId}/volumes`

async function settle(f: ComputeFixture): Promise<void> {
  await f.bus.drain()
  for (const a of f.compute.agents) await a.idle()
  await f.bus.drain()
}

async function volume(f: ComputeFixture, id: string): Promise<Json> {
  const res = await f.request(alice, { method: 'GET', url: `${volumesUrl}/${id}` })
  return (res.json() as Json)['volume'] as Json
}

async function volumeIn(f: ComputeFixture, id: string, status: string): Promise<Json> {
  for (let i = 0; i < 300; i++) {
    await settle(f)
    const v = await volume(f, id)
    if (v['status'] === status) return v
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`volume ${id} never reached ${status}`)
}

/** The host block storage has the volume's (only) attachment on. */
async function attachedHost(f: ComputeFixture, id: string): Promise<unknown> {
  const attachments = (await volume(f, id))['attachments'] as Json[]
  expect(attachments).toHaveLength(1)
  return attachments[0]?.['host_name']
}

async function action(f: ComputeFixture, id: string, body: Json, microversion = '2.1') {
  return f.request(admin, {
    method: 'POST',
    url: `/compute/v2.1/servers/${id}/action`,
    headers: { 'openstack-api-version': `compute ${microversion}` },
    payload: body,
  })
}

async function hostOf(f: ComputeFixture, id: string): Promise<string> {
  return String((await f.server(admin, id))['OS-EXT-SRV-ATTR:host'])
}

/** An ACTIVE server with a data volume attached at /dev/vdb. */
async function serverWithVolume(f: ComputeFixture): Promise<{ id: string; volumeId: string }> {
  const id = await f.boot(alice)
  await f.waitFor(alice, id, 'ACTIVE')
  const made = await f.request(alice, {
    method: 'POST',
    url: volumesUrl,
    payload: { volume: { size: 1, name: 'data' } },
  })
  const volumeId = String(((made.json() as Json)['volume'] as Json)['id'])
  await volumeIn(f, volumeId, 'available')
  const res = await f.request(alice, {
    method: 'POST',
    url: `/compute/v2.1/servers/${id}/os-volume_attachments`,
    payload: { volumeAttachment: { volumeId } },
  })
  expect(res.statusCode).toBe(200)
  await volumeIn(f, volumeId, 'in-use')
  expect(drivers.get(await hostOf(f, id))?.volumesOf(id)).toMatchObject([
    { volumeId, device: '/dev/vdb' },
  ])
  return { id, volumeId }
}

/** The guest on the server's host has the volume at /dev/vdb, attached to that host. */
async function expectVolumeOnHost(f: ComputeFixture, id: string, volumeId: string) {
  const host = await hostOf(f, id)
  expect(drivers.get(host)?.volumesOf(id)).toMatchObject([
    { volumeId, device: '/dev/vdb', bootIndex: null, readOnly: false },
  ])
  expect(await attachedHost(f, volumeId)).toBe(host)
  expect((await volume(f, volumeId))['status']).toBe('in-use')
  return host
}

async function forceDown(f: ComputeFixture, host: string) {
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
    payload: { forced_down: true },
  })
  expect(res.statusCode).toBe(200)
}

describe('volumes through moves', () => {
  it('cold migrate: the destination guest has the volume, attached there, and keeps it on confirm', async () => {
    const f = await twoHosts()
    const { id, volumeId } = await serverWithVolume(f)
    const source = await hostOf(f, id)
    expect((await action(f, id, { migrate: null })).statusCode).toBe(202)
    await f.waitFor(admin, id, 'VERIFY_RESIZE')
    const dest = await expectVolumeOnHost(f, id, volumeId)
    expect(dest).not.toBe(source)
    expect((await action(f, id, { confirmResize: null })).statusCode).toBe(204)
    await f.waitFor(admin, id, 'ACTIVE')
    expect(await expectVolumeOnHost(f, id, volumeId)).toBe(dest)
    expect(await drivers.get(source)?.listGuests()).toEqual([])
  })

  it('cold migrate and revert: the volume is attached to the source again', async () => {
    const f = await twoHosts()
    const { id, volumeId } = await serverWithVolume(f)
    const source = await hostOf(f, id)
    expect((await action(f, id, { migrate: null })).statusCode).toBe(202)
    await f.waitFor(admin, id, 'VERIFY_RESIZE')
    expect(await expectVolumeOnHost(f, id, volumeId)).not.toBe(source)
    expect((await action(f, id, { revertResize: null })).statusCode).toBe(202)
    await f.waitFor(admin, id, 'ACTIVE')
    expect(await expectVolumeOnHost(f, id, volumeId)).toBe(source)
  })

  it('a cold migration that fails on the destination leaves the volume attached to the source', async () => {
    const f = await twoHosts()
    const { id, volumeId } = await serverWithVolume(f)
    const source = await hostOf(f, id)
    failingHost = source === 'h1' ? 'h2' : 'h1'
    expect((await action(f, id, { migrate: null })).statusCode).toBe(202)
    await f.waitFor(admin, id, 'ERROR')
    expect(await hostOf(f, id)).toBe(source)
    expect(await attachedHost(f, volumeId)).toBe(source)
    expect(drivers.get(failingHost)?.volumesOf(id)).toEqual([])
  })

  it('a cold migration whose source cannot power off leaves the volume attached to the source', async () => {
    const f = await twoHosts()
    const { id, volumeId } = await serverWithVolume(f)
    const source = await hostOf(f, id)
    const driver = drivers.get(source)
    if (!driver) throw new Error('no driver')
    driver.powerOff = () => Promise.reject(new Error('the guest does not stop'))
    expect((await action(f, id, { migrate: null })).statusCode).toBe(202)
    await f.waitFor(admin, id, 'ERROR')
    expect(await hostOf(f, id)).toBe(source)
    expect(await attachedHost(f, volumeId)).toBe(source)
  })

  it('resize (on its own host) and revert keep the volume', async () => {
    const f = await twoHosts()
    const { id, volumeId } = await serverWithVolume(f)
    const host = await hostOf(f, id)
    expect((await action(f, id, { resize: { flavorRef: '84' } })).statusCode).toBe(202)
    await f.waitFor(admin, id, 'VERIFY_RESIZE')
    expect(await expectVolumeOnHost(f, id, volumeId)).toBe(host)
    expect((await action(f, id, { revertResize: null })).statusCode).toBe(202)
    await f.waitFor(admin, id, 'ACTIVE')
    expect(await expectVolumeOnHost(f, id, volumeId)).toBe(host)
  })

  it('evacuate: the guest rebuilt on the other host has the volume, attached there', async () => {
    const f = await twoHosts()
    const { id, volumeId } = await serverWithVolume(f)
    const source = await hostOf(f, id)
    await forceDown(f, source)
    expect((await action(f, id, { evacuate: {} }, '2.14')).statusCode).toBe(200)
    await f.waitFor(admin, id, 'ACTIVE')
    expect(await expectVolumeOnHost(f, id, volumeId)).not.toBe(source)
  })

  it('rebuild: the re-created guest keeps the volume', async () => {
    const f = await twoHosts()
    const { id, volumeId } = await serverWithVolume(f)
    const host = await hostOf(f, id)
    expect((await action(f, id, { rebuild: { imageRef: f.imageId } })).statusCode).toBe(202)
    await f.waitFor(admin, id, 'ACTIVE')
    expect(await expectVolumeOnHost(f, id, volumeId)).toBe(host)
  })

  it('unshelve after an offload: the new guest has the volume, attached to its host', async () => {
    const f = await twoHosts()
    const { id, volumeId } = await serverWithVolume(f)
    expect((await action(f, id, { shelve: null })).statusCode).toBe(202)
    await f.waitFor(admin, id, 'SHELVED_OFFLOADED')
    expect((await volume(f, volumeId))['status']).toBe('in-use')
    expect((await action(f, id, { unshelve: null })).statusCode).toBe(202)
    await f.waitFor(admin, id, 'ACTIVE')
    await expectVolumeOnHost(f, id, volumeId)
  })

  it('live migrate: the destination guest has the volume, attached there', async () => {
    const f = await twoHosts()
    const { id, volumeId } = await serverWithVolume(f)
    const source = await hostOf(f, id)
    const other = source === 'h1' ? 'h2' : 'h1'
    const body = { 'os-migrateLive': { host: other, block_migration: false } }
    expect((await action(f, id, body, '2.25')).statusCode).toBe(202)
    for (let i = 0; i < 300 && (await hostOf(f, id)) !== other; i++) await settle(f)
    await f.waitFor(admin, id, 'ACTIVE')
    expect(await expectVolumeOnHost(f, id, volumeId)).toBe(other)
  })

  it('a live migration that fails on the destination leaves the volume attached to the source', async () => {
    const f = await twoHosts()
    const { id, volumeId } = await serverWithVolume(f)
    const source = await hostOf(f, id)
    failingHost = source === 'h1' ? 'h2' : 'h1'
    const body = { 'os-migrateLive': { host: failingHost, block_migration: false } }
    expect((await action(f, id, body, '2.25')).statusCode).toBe(202)
    await f.waitFor(admin, id, 'ACTIVE')
    for (let i = 0; i < 300 && (await f.server(admin, id))['OS-EXT-STS:task_state']; i++) {
      await settle(f)
    }
    expect(await expectVolumeOnHost(f, id, volumeId)).toBe(source)
  })

  it('cold migrate of a server booted from a volume: the destination boots from it', async () => {
    const f = await twoHosts()
    const res = await f.request(alice, {
      method: 'POST',
      url: '/compute/v2.1/servers',
      payload: {
        server: {
          name: 'bfv',
          flavorRef: '42',
          imageRef: '',
          networks: [{ uuid: f.networkId }],
          block_device_mapping_v2: [
            {
              boot_index: 0,
              uuid: f.imageId,
              source_type: 'image',
              destination_type: 'volume',
              volume_size: 1,
              delete_on_termination: true,
            },
          ],
        },
      },
    })
    expect(res.statusCode).toBe(202)
    const id = String(((res.json() as Json)['server'] as Json)['id'])
    const s = await f.waitFor(admin, id, 'ACTIVE')
    const volumeId = String((s['os-extended-volumes:volumes_attached'] as Json[])[0]?.['id'])
    const source = await hostOf(f, id)
    const made = await f.request(alice, {
      method: 'POST',
      url: volumesUrl,
      payload: { volume: { size: 1, name: 'data' } },
    })
    const dataId = String(((made.json() as Json)['volume'] as Json)['id'])
    await volumeIn(f, dataId, 'available')
    const attach = await f.request(alice, {
      method: 'POST',
      url: `/compute/v2.1/servers/${id}/os-volume_attachments`,
      payload: { volumeAttachment: { volumeId: dataId } },
    })
    expect(attach.statusCode).toBe(200)
    await volumeIn(f, dataId, 'in-use')
    expect((await action(f, id, { migrate: null })).statusCode).toBe(202)
    await f.waitFor(admin, id, 'VERIFY_RESIZE')
    const dest = await hostOf(f, id)
    expect(dest).not.toBe(source)
    const guest = drivers.get(dest)
    // the boot volume first, then the data volume, as the spawn is given them
    expect(guest?.specOf(id)?.volumes).toMatchObject([
      { volumeId, device: '/dev/vda', bootIndex: 0, readOnly: false },
      { volumeId: dataId, device: '/dev/vdb', bootIndex: null, readOnly: false },
    ])
    expect(await attachedHost(f, dataId)).toBe(dest)
    expect(guest?.specOf(id)?.imageId).toBe('')
    expect(guest?.specOf(id)?.volumeImageMetadata?.['image_id']).toBe(f.imageId)
    expect(await attachedHost(f, volumeId)).toBe(dest)
    expect((await action(f, id, { revertResize: null })).statusCode).toBe(202)
    await f.waitFor(admin, id, 'ACTIVE')
    expect(await attachedHost(f, volumeId)).toBe(source)
    expect(await attachedHost(f, dataId)).toBe(source)
    expect(drivers.get(source)?.volumesOf(id)).toMatchObject([
      { volumeId, device: '/dev/vda' },
      { volumeId: dataId, device: '/dev/vdb' },
    ])
  })
})
