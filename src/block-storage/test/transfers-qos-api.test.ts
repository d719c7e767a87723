/** @module block-storage/test/transfers-qos-api.test: volume transfers between projects and QoS specs, through HTTP */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  admin,
  alice,
  bob,
  createBlockStorageFixture,
  type BlockStorageFixture,
  type Json,
} from './block-storage-fixture.js'

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

let f: BlockStorageFixture
beforeAll(async () => {
  f = await createBlockStorageFixture()
})
afterAll(async () => {
  await f.close()
})

const v355 = { 'openstack-api-version': 'volume 3.55' }
const v357 = { 'openstack-api-version': 'volume 3.57' }

async function availableVolume(size = 1): Promise<string> {
  const v = await f.createVolume(alice, { size })
  await f.waitVolume(alice, String(v['id']), ['available'])
  return String(v['id'])
}

describe('volume transfers', () => {
  it('moves a volume and its snapshots to the accepting project with the auth key', async () => {
    const vid = await availableVolume()
    const snap = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, '/snapshots'),
      payload: { snapshot: { volume_id: vid } },
    })
    const sid = String(snap.json<{ snapshot: Json }>().snapshot['id'])
    await f.waitSnapshot(alice, sid, ['available'])

    const created = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, '/os-volume-transfer'),
      payload: { transfer: { volume_id: vid, name: 'gift' } },
    })
    expect(created.statusCode).toBe(202)
    const t = created.json<{ transfer: Json }>().transfer
    expect(Object.keys(t).sort()).toEqual(
      ['auth_key', 'created_at', 'id', 'links', 'name', 'volume_id'].sort(),
    )
    expect(t['auth_key']).toMatch(/^[0-9a-f]{16}$/)
    expect((await f.waitVolume(alice, vid, ['awaiting-transfer']))['status']).toBe(
      'awaiting-transfer',
    )

    const list = await f.request(alice, { method: 'GET', url: f.url(alice, '/os-volume-transfer') })
    expect(list.json<{ transfers: Json[] }>().transfers.map((x) => x['id'])).toContain(t['id'])
    // The receiving project neither sees the offer nor may take it without the key.
    const hidden = await f.request(bob, {
      method: 'GET',
      url: f.url(bob, `/os-volume-transfer/${String(t['id'])}`),
    })
    expect(hidden.statusCode).toBe(404)
    const wrong = await f.request(bob, {
      method: 'POST',
      url: f.url(bob, `/os-volume-transfer/${String(t['id'])}/accept`),
      payload: { accept: { auth_key: '0000000000000000' } },
    })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json<Json>()['badRequest']).toMatchObject({ code: 400 })

    const accepted = await f.request(bob, {
      method: 'POST',
      url: f.url(bob, `/os-volume-transfer/${String(t['id'])}/accept`),
      payload: { accept: { auth_key: t['auth_key'] } },
    })
    expect(accepted.statusCode).toBe(202)
    expect(Object.keys(accepted.json<{ transfer: Json }>().transfer).sort()).toEqual(
      ['id', 'links', 'name', 'volume_id'].sort(),
    )
    const moved = await f.waitVolume(bob, vid, ['available'])
    expect(moved['os-vol-tenant-attr:tenant_id']).toBe(bob.projectId)
    expect(moved['user_id']).toBe(`u-${bob.projectId}`)
    const gone = await f.request(alice, { method: 'GET', url: f.url(alice, `/volumes/${vid}`) })
    expect(gone.statusCode).toBe(404)
    const bobSnap = await f.request(bob, { method: 'GET', url: f.url(bob, `/snapshots/${sid}`) })
    expect(bobSnap.statusCode).toBe(200)
    const again = await f.request(bob, {
      method: 'POST',
      url: f.url(bob, `/os-volume-transfer/${String(t['id'])}/accept`),
      payload: { accept: { auth_key: t['auth_key'] } },
    })
    expect(again.statusCode).toBe(404)
  })

  it('leaves snapshots behind with no_snapshots (3.55) and shows the history fields at 3.57', async () => {
    const vid = await availableVolume()
    const created = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, '/volume-transfers'),
      headers: v357,
      payload: { transfer: { volume_id: vid, no_snapshots: true } },
    })
    expect(created.statusCode).toBe(202)
    const t = created.json<{ transfer: Json }>().transfer
    expect(t).toMatchObject({
      no_snapshots: true,
      accepted: false,
      destination_project_id: null,
      source_project_id: alice.projectId,
    })
    const shown = await f.request(alice, {
      method: 'GET',
      url: f.url(alice, `/volume-transfers/${String(t['id'])}`),
      headers: v355,
    })
    expect(Object.keys(shown.json<{ transfer: Json }>().transfer).sort()).toEqual(
      ['created_at', 'id', 'links', 'name', 'no_snapshots', 'volume_id'].sort(),
    )
    // Before 3.55 the new resource does not exist.
    const old = await f.request(alice, { method: 'GET', url: f.url(alice, '/volume-transfers') })
    expect(old.statusCode).toBe(404)
    // A volume awaiting transfer cannot be deleted; withdrawing the offer makes it available.
    const del = await f.request(alice, { method: 'DELETE', url: f.url(alice, `/volumes/${vid}`) })
    expect(del.statusCode).toBe(400)
    const withdrawn = await f.request(alice, {
      method: 'DELETE',
      url: f.url(alice, `/volume-transfers/${String(t['id'])}`),
      headers: v355,
    })
    expect(withdrawn.statusCode).toBe(202)
    expect((await f.waitVolume(alice, vid, ['available']))['status']).toBe('available')
  })

  it('refuses an accept that would exceed the receiving project quota (413)', async () => {
    const vid = await availableVolume(2)
    const t = (
      await f.request(alice, {
        method: 'POST',
        url: f.url(alice, '/os-volume-transfer'),
        payload: { transfer: { volume_id: vid } },
      })
    ).json<{ transfer: Json }>().transfer
    // Bob holds 2G (the volume and snapshot of the first test); 2G more is over 3G.
    const quota = await f.request(admin, {
      method: 'PUT',
      url: f.url(admin, `/os-quota-sets/${bob.projectId}`),
      payload: { quota_set: { gigabytes: 3 } },
    })
    expect(quota.statusCode).toBe(200)
    const refused = await f.request(bob, {
      method: 'POST',
      url: f.url(bob, `/os-volume-transfer/${String(t['id'])}/accept`),
      payload: { accept: { auth_key: t['auth_key'] } },
    })
    expect(refused.statusCode).toBe(413)
    expect(
      (await f.waitVolume(alice, vid, ['awaiting-transfer']))['os-vol-tenant-attr:tenant_id'],
    ).toBe(alice.projectId)
    await f.request(admin, {
      method: 'PUT',
      url: f.url(admin, `/os-quota-sets/${bob.projectId}`),
      payload: { quota_set: { gigabytes: -1 } },
    })
  })

  it('refuses to offer a volume that is not available', async () => {
    const missing = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, '/os-volume-transfer'),
      payload: { transfer: { volume_id: 'nope' } },
    })
    expect(missing.statusCode).toBe(404)
    const noBody = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, '/os-volume-transfer'),
      payload: { transfer: {} },
    })
    expect(noBody.statusCode).toBe(400)
  })
})

describe('QoS specs', () => {
  it('creates, sets and unsets keys, associates with types and deletes (admin only)', async () => {
    const denied = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, '/qos-specs'),
      payload: { qos_specs: { name: 'nope' } },
    })
    expect(denied.statusCode).toBe(403)
    const created = await f.request(admin, {
      method: 'POST',
      url: f.url(admin, '/qos-specs'),
      payload: { qos_specs: { name: 'gold', consumer: 'front-end', read_iops_sec: '2000' } },
    })
    expect(created.statusCode).toBe(200)
    const body = created.json<{ qos_specs: Json; links: Json[] }>()
    const q = body.qos_specs
    expect(q).toMatchObject({
      name: 'gold',
      consumer: 'front-end',
      specs: { read_iops_sec: '2000' },
    })
    expect(body.links[0]?.['rel']).toBe('self')
    const dup = await f.request(admin, {
      method: 'POST',
      url: f.url(admin, '/qos-specs'),
      payload: { qos_specs: { name: 'gold' } },
    })
    expect(dup.statusCode).toBe(409)
    const bad = await f.request(admin, {
      method: 'POST',
      url: f.url(admin, '/qos-specs'),
      payload: { qos_specs: { name: 'x', consumer: 'sideways' } },
    })
    expect(bad.statusCode).toBe(400)
    const list = await f.request(admin, { method: 'GET', url: f.url(admin, '/qos-specs') })
    expect(list.json<{ qos_specs: Json[] }>().qos_specs).toContainEqual(q)

    const qid = String(q['id'])
    const set = await f.request(admin, {
      method: 'PUT',
      url: f.url(admin, `/qos-specs/${qid}`),
      payload: { qos_specs: { iops_bytes: '500' } },
    })
    expect(set.json<Json>()).toEqual({ qos_specs: { iops_bytes: '500' } })
    const unset = await f.request(admin, {
      method: 'PUT',
      url: f.url(admin, `/qos-specs/${qid}/delete_keys`),
      payload: { keys: ['iops_bytes'] },
    })
    expect(unset.statusCode).toBe(202)
    const shown = await f.request(admin, { method: 'GET', url: f.url(admin, `/qos-specs/${qid}`) })
    expect(shown.json<{ qos_specs: Json }>().qos_specs['specs']).toEqual({ read_iops_sec: '2000' })

    const type = await f.request(admin, {
      method: 'POST',
      url: f.url(admin, '/types'),
      payload: { volume_type: { name: 'qos-type' } },
    })
    const tid = String(type.json<{ volume_type: Json }>().volume_type['id'])
    const assoc = await f.request(admin, {
      method: 'GET',
      url: f.url(admin, `/qos-specs/${qid}/associate?vol_type_id=${tid}`),
    })
    expect(assoc.statusCode).toBe(202)
    const typeShown = await f.request(admin, { method: 'GET', url: f.url(admin, `/types/${tid}`) })
    expect(typeShown.json<{ volume_type: Json }>().volume_type['qos_specs_id']).toBe(qid)
    const assocs = await f.request(admin, {
      method: 'GET',
      url: f.url(admin, `/qos-specs/${qid}/associations`),
    })
    expect(assocs.json<Json>()).toEqual({
      qos_associations: [{ association_type: 'volume_type', name: 'qos-type', id: tid }],
    })
    const inUse = await f.request(admin, {
      method: 'DELETE',
      url: f.url(admin, `/qos-specs/${qid}`),
    })
    expect(inUse.statusCode).toBe(400)
    const all = await f.request(admin, {
      method: 'GET',
      url: f.url(admin, `/qos-specs/${qid}/disassociate_all`),
    })
    expect(all.statusCode).toBe(202)
    const after = await f.request(admin, { method: 'GET', url: f.url(admin, `/types/${tid}`) })
    expect(after.json<{ volume_type: Json }>().volume_type['qos_specs_id']).toBeNull()
    await f.request(admin, {
      method: 'GET',
      url: f.url(admin, `/qos-specs/${qid}/associate?vol_type_id=${tid}`),
    })
    const forced = await f.request(admin, {
      method: 'DELETE',
      url: f.url(admin, `/qos-specs/${qid}?force=True`),
    })
    expect(forced.statusCode).toBe(202)
    const missing = await f.request(admin, {
      method: 'GET',
      url: f.url(admin, `/qos-specs/${qid}`),
    })
    expect(missing.statusCode).toBe(404)
  })
})
