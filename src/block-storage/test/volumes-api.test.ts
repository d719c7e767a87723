/** @module block-storage/test/volumes-api.test: the volume API against the file driver, with real bytes */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { exec } from '../../core/sys/exec.js'
import { pattern } from '../driver/volume-driver.conformance.js'
import {
  admin,
  alice,
  bob,
  createBlockStorageFixture,
  type BlockStorageFixture,
  type Json,
} from './block-storage-fixture.js'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 })

let f: BlockStorageFixture
beforeAll(async () => {
  f = await createBlockStorageFixture()
})
afterAll(async () => {
  await f.close()
})

const GIB = 1024 ** 3

async function fileInfo(id: string): Promise<Json> {
  const r = await exec('qemu-img', [
    'info',
    '--output=json',
    '-U',
    `${f.dataDir}/volumes/volume-${id}.qcow2`,
  ])
  return JSON.parse(r.stdout) as Json
}

/** Uploads a volume to a qcow2 image and reads the image's first `n` bytes back as raw. */
async function uploadedBytes(volumeId: string, n: number): Promise<Buffer> {
  const r = await f.request(alice, {
    method: 'POST',
    url: f.url(alice, `/volumes/${volumeId}/action`),
    payload: { 'os-volume_upload_image': { image_name: 'copy', disk_format: 'qcow2' } },
  })
  expect(r.statusCode).toBe(202)
  const imageId = String((r.json<Json>()['os-volume_upload_image'] as Json)['image_id'])
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const img = await f.request(alice, { method: 'GET', url: `/image/v2/images/${imageId}` })
    if (img.json<Json>()['status'] === 'active') break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await f.waitVolume(alice, volumeId, ['available'])
  const data = await f.request(alice, { method: 'GET', url: `/image/v2/images/${imageId}/file` })
  expect(data.statusCode).toBe(200)
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-upload-'))
  try {
    writeFileSync(join(dir, 'image.qcow2'), data.rawPayload)
    const info = await exec('qemu-img', ['info', '--output=json', join(dir, 'image.qcow2')])
    expect(JSON.parse(info.stdout)['format']).toBe('qcow2')
    await exec('qemu-img', [
      'convert',
      '-f',
      'qcow2',
      '-O',
      'raw',
      join(dir, 'image.qcow2'),
      join(dir, 'image.raw'),
    ])
    const fd = openSync(join(dir, 'image.raw'), 'r')
    const out = Buffer.alloc(n)
    readSync(fd, out, 0, n, 0)
    closeSync(fd)
    return out
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('block storage API', () => {
  it('serves the version documents', async () => {
    const root = await f.request(undefined, { method: 'GET', url: '/volume/' })
    expect(root.statusCode).toBe(300)
    const v3 = await f.request(undefined, { method: 'GET', url: '/volume/v3/' })
    const doc = (v3.json<Json>()['versions'] as Json[])[0] as Json
    expect(doc['version']).toBe('3.60')
    expect(doc['min_version']).toBe('3.0')
  })

  it('creates, shows, lists, updates and deletes a volume backed by a real file', async () => {
    const v = await f.createVolume(alice, { size: 1, name: 'v1', metadata: { a: 'b' } })
    expect(v['status']).toBe('creating')
    const ready = await f.waitVolume(alice, String(v['id']), ['available'])
    expect(ready['bootable']).toBe('false')
    expect(ready['volume_type']).toBe('__DEFAULT__')
    expect(ready['os-vol-host-attr:host']).toBeUndefined()
    expect((await fileInfo(String(v['id'])))['virtual-size']).toBe(GIB)
    const list = await f.request(alice, {
      method: 'GET',
      url: f.url(alice, "/volumes/detail?metadata={'a': 'b'}&status=available"),
    })
    expect((list.json<Json>()['volumes'] as Json[]).map((x) => x['id'])).toEqual([v['id']])
    const hidden = await f.request(bob, { method: 'GET', url: f.url(bob, `/volumes/${v['id']}`) })
    expect(hidden.statusCode).toBe(404)
    expect(hidden.json<Json>()['itemNotFound']).toBeDefined()
    const upd = await f.request(alice, {
      method: 'PUT',
      url: f.url(alice, `/volumes/${v['id']}`),
      payload: { volume: { name: 'renamed', description: 'd' } },
    })
    expect((upd.json<Json>()['volume'] as Json)['name']).toBe('renamed')
    const del = await f.request(alice, {
      method: 'DELETE',
      url: f.url(alice, `/volumes/${v['id']}`),
    })
    expect(del.statusCode).toBe(202)
    await f.waitGone(alice, `/volumes/${v['id']}`)
    await expect(fileInfo(String(v['id']))).rejects.toThrow()
  })

  it('refuses bad sizes with a badRequest fault', async () => {
    for (const size of [0, -1, '#$%', undefined]) {
      const r = await f.request(alice, {
        method: 'POST',
        url: f.url(alice, '/volumes'),
        payload: { volume: { size } },
      })
      expect(r.statusCode).toBe(400)
      expect(r.json<Json>()['badRequest']).toBeDefined()
    }
    const missing = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, '/volumes'),
      payload: { volume: { size: 1, snapshot_id: '00000000-0000-4000-8000-000000000000' } },
    })
    expect(missing.statusCode).toBe(404)
  })

  it('copies an image into a volume and a volume back into an image, byte for byte', async () => {
    const image = await f.request(alice, {
      method: 'POST',
      url: '/image/v2/images',
      payload: { name: 'pattern', disk_format: 'raw', container_format: 'bare' },
    })
    const imageId = String(image.json<Json>()['id'])
    const put = await f.request(alice, {
      method: 'PUT',
      url: `/image/v2/images/${imageId}/file`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: pattern(9),
    })
    expect(put.statusCode).toBe(204)
    const v = await f.createVolume(alice, { size: 1, imageRef: imageId })
    const ready = await f.waitVolume(alice, String(v['id']), ['available', 'error'])
    expect(ready['status']).toBe('available')
    expect(ready['bootable']).toBe('true')
    expect((ready['volume_image_metadata'] as Json)['image_id']).toBe(imageId)
    expect((await uploadedBytes(String(v['id']), 1024 * 1024)).equals(pattern(9))).toBe(true)
  })

  it('copies an AMI machine image as the raw disk it is, and refuses a kernel image with the reason', async () => {
    const upload = async (diskFormat: string, bytes: Buffer) => {
      const image = await f.request(alice, {
        method: 'POST',
        url: '/image/v2/images',
        payload: { name: diskFormat, disk_format: diskFormat, container_format: diskFormat },
      })
      const id = String(image.json<Json>()['id'])
      await f.request(alice, {
        method: 'PUT',
        url: `/image/v2/images/${id}/file`,
        headers: { 'content-type': 'application/octet-stream' },
        payload: bytes,
      })
      return id
    }
    const machine = await f.createVolume(alice, {
      size: 1,
      imageRef: await upload('ami', pattern(5)),
    })
    expect(
      (await f.waitVolume(alice, String(machine['id']), ['available', 'error']))['status'],
    ).toBe('available')
    expect((await uploadedBytes(String(machine['id']), 1024 * 1024)).equals(pattern(5))).toBe(true)
    const kernel = await f.createVolume(alice, {
      size: 1,
      imageRef: await upload('aki', pattern(6)),
    })
    const failed = await f.waitVolume(alice, String(kernel['id']), ['available', 'error'])
    expect(failed['status']).toBe('error')
    const messages = await f.request(alice, {
      method: 'GET',
      url: f.url(alice, `/messages?resource_uuid=${String(kernel['id'])}`),
      headers: { 'openstack-api-version': 'volume 3.3' },
    })
    expect(messages.body).toContain('images of disk format aki cannot be copied into a volume')
  })

  it('snapshots, clones and extends with the data intact', async () => {
    const image = await f.request(alice, {
      method: 'POST',
      url: '/image/v2/images',
      payload: { name: 'p2', disk_format: 'raw', container_format: 'bare' },
    })
    const imageId = String(image.json<Json>()['id'])
    await f.request(alice, {
      method: 'PUT',
      url: `/image/v2/images/${imageId}/file`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: pattern(11),
    })
    const v = await f.createVolume(alice, { size: 1, imageRef: imageId })
    await f.waitVolume(alice, String(v['id']), ['available'])
    const snap = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, '/snapshots'),
      payload: { snapshot: { volume_id: v['id'], name: 's1', metadata: { k: 'v' } } },
    })
    expect(snap.statusCode).toBe(202)
    const sid = String((snap.json<Json>()['snapshot'] as Json)['id'])
    await f.waitSnapshot(alice, sid, ['available'])
    expect((await fileInfo(String(v['id'])))['backing-filename']).toBe(`snapshot-${sid}.qcow2`)
    const refused = await f.request(alice, {
      method: 'DELETE',
      url: f.url(alice, `/volumes/${v['id']}`),
    })
    expect(refused.statusCode).toBe(400)
    const fromSnap = await f.createVolume(alice, { snapshot_id: sid, size: 2 })
    expect((await f.waitVolume(alice, String(fromSnap['id']), ['available']))['size']).toBe(2)
    expect((await uploadedBytes(String(fromSnap['id']), 1024 * 1024)).equals(pattern(11))).toBe(
      true,
    )
    const clone = await f.createVolume(alice, { source_volid: v['id'] })
    const c = await f.waitVolume(alice, String(clone['id']), ['available'])
    expect(c['size']).toBe(1)
    expect((await uploadedBytes(String(clone['id']), 1024 * 1024)).equals(pattern(11))).toBe(true)
    const ext = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, `/volumes/${clone['id']}/action`),
      payload: { 'os-extend': { new_size: 2 } },
    })
    expect(ext.statusCode).toBe(202)
    const grown = await f.waitVolume(alice, String(clone['id']), ['available', 'error_extending'])
    expect(grown['size']).toBe(2)
    expect((await fileInfo(String(clone['id'])))['virtual-size']).toBe(2 * GIB)
    const cascade = await f.request(alice, {
      method: 'DELETE',
      url: f.url(alice, `/volumes/${v['id']}?cascade=true`),
    })
    expect(cascade.statusCode).toBe(202)
    await f.waitGone(alice, `/volumes/${v['id']}`)
    await f.waitGone(alice, `/snapshots/${sid}`)
  })

  it('deletes a snapshot on its own, then its volume', async () => {
    const v = await f.createVolume(bob, { size: 1 })
    const id = String(v['id'])
    await f.waitVolume(bob, id, ['available'])
    const snap = await f.request(bob, {
      method: 'POST',
      url: f.url(bob, '/snapshots'),
      payload: { snapshot: { volume_id: id } },
    })
    const sid = String((snap.json<Json>()['snapshot'] as Json)['id'])
    await f.waitSnapshot(bob, sid, ['available'])
    const del = await f.request(bob, { method: 'DELETE', url: f.url(bob, `/snapshots/${sid}`) })
    expect(del.statusCode).toBe(202)
    await f.waitGone(bob, `/snapshots/${sid}`)
    expect((await fileInfo(id))['backing-filename']).toBeUndefined()
    const gone = await f.request(bob, { method: 'DELETE', url: f.url(bob, `/volumes/${id}`) })
    expect(gone.statusCode).toBe(202)
    await f.waitGone(bob, `/volumes/${id}`)
  })

  it('enforces quotas with 413 overLimit', async () => {
    const set = await f.request(admin, {
      method: 'PUT',
      url: f.url(admin, `/os-quota-sets/${bob.projectId}`),
      payload: { quota_set: { gigabytes: 2 } },
    })
    expect(set.statusCode).toBe(200)
    const big = await f.request(bob, {
      method: 'POST',
      url: f.url(bob, '/volumes'),
      payload: { volume: { size: 3 } },
    })
    expect(big.statusCode).toBe(413)
    expect(big.json<Json>()['overLimit']).toBeDefined()
    const usage = await f.request(bob, {
      method: 'GET',
      url: f.url(bob, `/os-quota-sets/${bob.projectId}?usage=true`),
    })
    expect((usage.json<Json>()['quota_set'] as Json)['gigabytes']).toEqual({
      limit: 2,
      in_use: 0,
      reserved: 0,
      allocated: 0,
    })
  })

  it('fails a volume that no backend can hold, with a message saying why', async () => {
    const v = await f.createVolume(admin, { size: 500 })
    const failed = await f.waitVolume(admin, String(v['id']), ['error'])
    expect(failed['status']).toBe('error')
    const messages = await f.request(admin, {
      method: 'GET',
      url: f.url(admin, '/messages'),
      headers: { 'openstack-api-version': 'volume 3.3' },
    })
    const text = JSON.stringify(messages.json())
    expect(text).toContain('CapacityFilter')
    expect(text).toContain(String(v['id']))
  })

  it('attaches through the legacy actions and refuses to delete an attached volume', async () => {
    const v = await f.createVolume(alice, { size: 1 })
    const id = String(v['id'])
    await f.waitVolume(alice, id, ['available'])
    const act = (body: Json) =>
      f.request(alice, {
        method: 'POST',
        url: f.url(alice, `/volumes/${id}/action`),
        payload: body,
      })
    expect((await act({ 'os-reserve': {} })).statusCode).toBe(202)
    expect((await f.waitVolume(alice, id, ['attaching']))['status']).toBe('attaching')
    const conn = await act({ 'os-initialize_connection': { connector: { host: 'node1' } } })
    const info = conn.json<Json>()['connection_info'] as Json
    expect(info['driver_volume_type']).toBe('file')
    expect(String((info['data'] as Json)['path'])).toContain(id)
    const server = '11111111-2222-4333-8444-555555555555'
    expect(
      (await act({ 'os-attach': { instance_uuid: server, mountpoint: '/dev/vdb' } })).statusCode,
    ).toBe(202)
    const inUse = await f.waitVolume(alice, id, ['in-use'])
    expect((inUse['attachments'] as Json[])[0]?.['server_id']).toBe(server)
    const refused = await f.request(alice, {
      method: 'DELETE',
      url: f.url(alice, `/volumes/${id}`),
    })
    expect(refused.statusCode).toBe(400)
    const grow = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, `/volumes/${id}/action`),
      headers: { 'openstack-api-version': 'volume 3.42' },
      payload: { 'os-extend': { new_size: 2 } },
    })
    expect(grow.statusCode).toBe(400)
    expect(String((grow.json<Json>()['badRequest'] as Json)['message'])).toContain('cannot grow')
    expect((await act({ 'os-begin_detaching': {} })).statusCode).toBe(202)
    expect((await act({ 'os-detach': {} })).statusCode).toBe(202)
    expect((await f.waitVolume(alice, id, ['available']))['attachments']).toEqual([])
  })

  it('attaches through the v3 attachments API', async () => {
    const v = await f.createVolume(alice, { size: 1 })
    const id = String(v['id'])
    await f.waitVolume(alice, id, ['available'])
    const mv = { 'openstack-api-version': 'volume 3.44' }
    const created = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, '/attachments'),
      headers: mv,
      payload: {
        attachment: { volume_uuid: id, instance_uuid: '11111111-2222-4333-8444-555555555555' },
      },
    })
    expect(created.statusCode).toBe(200)
    const aid = String((created.json<Json>()['attachment'] as Json)['id'])
    expect((await f.waitVolume(alice, id, ['reserved']))['status']).toBe('reserved')
    const updated = await f.request(alice, {
      method: 'PUT',
      url: f.url(alice, `/attachments/${aid}`),
      headers: mv,
      payload: { attachment: { connector: { host: 'node1', mountpoint: '/dev/vdc' } } },
    })
    expect(
      ((updated.json<Json>()['attachment'] as Json)['connection_info'] as Json)[
        'driver_volume_type'
      ],
    ).toBe('file')
    const done = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, `/attachments/${aid}/action`),
      headers: mv,
      payload: { 'os-complete': null },
    })
    expect(done.statusCode).toBe(204)
    expect((await f.waitVolume(alice, id, ['in-use']))['status']).toBe('in-use')
    const del = await f.request(alice, {
      method: 'DELETE',
      url: f.url(alice, `/attachments/${aid}`),
      headers: mv,
    })
    expect(del.statusCode).toBe(200)
    expect((await f.waitVolume(alice, id, ['available']))['status']).toBe('available')
  })

  it('lists services, pools and zones', async () => {
    const services = await f.request(admin, { method: 'GET', url: f.url(admin, '/os-services') })
    const rows = services.json<Json>()['services'] as Json[]
    expect(rows.find((s) => s['binary'] === 'cinder-volume')).toMatchObject({
      host: 'node1@file',
      state: 'up',
    })
    const pools = await f.request(admin, {
      method: 'GET',
      url: f.url(admin, '/scheduler-stats/get_pools?detail=true'),
    })
    const pool = (pools.json<Json>()['pools'] as Json[])[0] as Json
    expect(pool['name']).toBe('node1@file#file')
    expect((pool['capabilities'] as Json)['total_capacity_gb']).toBe(20)
    const zones = await f.request(alice, {
      method: 'GET',
      url: f.url(alice, '/os-availability-zone'),
    })
    expect(zones.json()).toEqual({
      availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true } }],
    })
    const forbidden = await f.request(alice, { method: 'GET', url: f.url(alice, '/os-services') })
    expect(forbidden.statusCode).toBe(403)
  })
})
