/** @module block-storage/test/groups-api.test: group types, generic volume groups and group snapshots, through HTTP */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  admin,
  alice,
  createBlockStorageFixture,
  type BlockStorageFixture,
  type Json,
} from './block-storage-fixture.js'

vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 })

let f: BlockStorageFixture
beforeAll(async () => {
  f = await createBlockStorageFixture()
})
afterAll(async () => {
  await f.close()
})

const mv = { 'openstack-api-version': 'volume 3.60' }

async function call(
  caller: typeof admin,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  payload?: Json,
) {
  return f.request(caller, {
    method,
    url: f.url(caller, path),
    headers: mv,
    ...(payload ? { payload } : {}),
  })
}

async function waitGroup(path: string, key: string, status: string): Promise<Json> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const r = await call(alice, 'GET', path)
    const item = r.json<Json>()[key] as Json
    if (item['status'] === status) return item
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`${path} never became ${status}`)
}

describe('group types', () => {
  it('are managed by admins with their group specs, and seen by members without them', async () => {
    const denied = await call(alice, 'POST', '/group_types', { group_type: { name: 'x' } })
    expect(denied.statusCode).toBe(403)
    const created = await call(admin, 'POST', '/group_types', {
      group_type: {
        name: 'gt-specs',
        group_specs: { consistent_group_snapshot_enabled: '<is> False' },
      },
    })
    expect(created.statusCode).toBe(202)
    const t = created.json<{ group_type: Json }>().group_type
    expect(t).toMatchObject({ name: 'gt-specs', is_public: true, description: null })
    const tid = String(t['id'])
    expect(
      (await call(admin, 'POST', '/group_types', { group_type: { name: 'gt-specs' } })).statusCode,
    ).toBe(409)
    const set = await call(admin, 'POST', `/group_types/${tid}/group_specs`, {
      group_specs: { k: 'v' },
    })
    expect(set.statusCode).toBe(202)
    expect((await call(admin, 'GET', `/group_types/${tid}/group_specs/k`)).json<Json>()).toEqual({
      k: 'v',
    })
    expect(
      (await call(admin, 'PUT', `/group_types/${tid}/group_specs/k`, { k: 'w' })).json<Json>(),
    ).toEqual({ k: 'w' })
    expect((await call(admin, 'DELETE', `/group_types/${tid}/group_specs/k`)).statusCode).toBe(202)
    expect((await call(admin, 'GET', `/group_types/${tid}/group_specs/k`)).statusCode).toBe(404)
    const seen = await call(alice, 'GET', `/group_types/${tid}`)
    expect(seen.json<{ group_type: Json }>().group_type).not.toHaveProperty('group_specs')
    const updated = await call(admin, 'PUT', `/group_types/${tid}`, {
      group_type: { description: 'd' },
    })
    expect(updated.json<{ group_type: Json }>().group_type['description']).toBe('d')
    const old = await f.request(admin, { method: 'GET', url: f.url(admin, '/group_types') })
    expect(old.statusCode).toBe(404)
    await call(admin, 'POST', '/group_types', {
      group_type: { name: 'zz-private', is_public: false },
    })
    const names = async (query: string) =>
      (await call(admin, 'GET', `/group_types?${query}`))
        .json<{ group_types: Json[] }>()
        .group_types.map((g) => g['name'])
    expect(await names('sort=name:desc&is_public=None')).toEqual(['zz-private', 'gt-specs'])
    expect(await names('sort=name:asc&is_public=None')).toEqual(['gt-specs', 'zz-private'])
    expect(await names('is_public=False')).toEqual(['zz-private'])
    expect((await call(admin, 'DELETE', `/group_types/${tid}`)).statusCode).toBe(202)
    expect((await call(admin, 'GET', `/group_types/${tid}`)).statusCode).toBe(404)
  })
})

describe('groups and group snapshots', () => {
  it('hold volumes, snapshot them together, copy from a group snapshot and go with their volumes', async () => {
    const gt = await call(admin, 'POST', '/group_types', { group_type: { name: 'gt-main' } })
    const gtid = String(gt.json<{ group_type: Json }>().group_type['id'])
    const vt = await call(admin, 'POST', '/types', { volume_type: { name: 'vt-group' } })
    const vtid = String(vt.json<{ volume_type: Json }>().volume_type['id'])
    const created = await call(alice, 'POST', '/groups', {
      group: { name: 'g1', group_type: gtid, volume_types: [vtid] },
    })
    expect(created.statusCode).toBe(202)
    const gid = String(created.json<{ group: Json }>().group['id'])
    const group = await waitGroup(`/groups/${gid}`, 'group', 'available')
    expect(group).toMatchObject({ group_type: gtid, volume_types: [vtid], source_group_id: null })
    expect((await call(admin, 'DELETE', `/group_types/${gtid}`)).statusCode).toBe(400)

    // A volume of a type the group does not take is refused.
    const wrong = await call(alice, 'POST', '/volumes', { volume: { size: 1, group_id: gid } })
    expect(wrong.statusCode).toBe(400)
    const ids: string[] = []
    for (let i = 0; i < 2; i++) {
      const r = await call(alice, 'POST', '/volumes', {
        volume: { size: 1, volume_type: vtid, group_id: gid },
      })
      expect(r.statusCode).toBe(202)
      expect(r.json<{ volume: Json }>().volume['group_id']).toBe(gid)
      ids.push(String(r.json<{ volume: Json }>().volume['id']))
    }
    for (const id of ids) await f.waitVolume(alice, id, ['available'])
    const [v1 = '', v2 = ''] = ids

    expect(
      (await call(alice, 'PUT', `/groups/${gid}`, { group: { remove_volumes: v2 } })).statusCode,
    ).toBe(202)
    expect(
      (await call(alice, 'GET', `/volumes/${v2}`)).json<{ volume: Json }>().volume['group_id'],
    ).toBeNull()
    await call(alice, 'PUT', `/groups/${gid}`, { group: { add_volumes: v2, name: 'renamed' } })
    const listed = await call(alice, 'GET', `/groups/${gid}?list_volume=True`)
    expect(listed.json<{ group: Json }>().group).toMatchObject({ name: 'renamed' })
    expect((listed.json<{ group: Json }>().group['volumes'] as string[]).sort()).toEqual(
      [v1, v2].sort(),
    )

    const gs = await call(alice, 'POST', '/group_snapshots', {
      group_snapshot: { group_id: gid, name: 'gs' },
    })
    expect(gs.statusCode).toBe(202)
    const gsid = String(gs.json<{ group_snapshot: Json }>().group_snapshot['id'])
    const taken = await waitGroup(`/group_snapshots/${gsid}`, 'group_snapshot', 'available')
    expect(taken).toMatchObject({ group_id: gid, group_type_id: gtid })
    const snaps = (await call(alice, 'GET', '/snapshots/detail')).json<{ snapshots: Json[] }>()
      .snapshots
    const members = snaps.filter((s) => s['group_snapshot_id'] === gsid)
    expect(members.map((s) => s['volume_id']).sort()).toEqual([v1, v2].sort())
    expect(members.every((s) => s['status'] === 'available')).toBe(true)
    // A member snapshot goes only with its group snapshot.
    const single = await call(alice, 'DELETE', `/snapshots/${String(members[0]?.['id'])}`)
    expect(single.statusCode).toBe(400)

    const copy = await call(alice, 'POST', '/groups/action', {
      'create-from-src': { group_snapshot_id: gsid, name: 'copy' },
    })
    expect(copy.statusCode).toBe(202)
    const cid = String(copy.json<{ group: Json }>().group['id'])
    const copied = await waitGroup(`/groups/${cid}?list_volume=True`, 'group', 'available')
    expect(copied['group_snapshot_id']).toBe(gsid)
    expect((copied['volumes'] as string[]).length).toBe(2)

    // The group cannot go while it has group snapshots, nor without delete-volumes.
    expect(
      (await call(alice, 'POST', `/groups/${gid}/action`, { delete: { 'delete-volumes': true } }))
        .statusCode,
    ).toBe(400)
    expect((await call(alice, 'DELETE', `/group_snapshots/${gsid}`)).statusCode).toBe(202)
    await f.waitGone(alice, `/snapshots/${String(members[0]?.['id'])}`)
    const gone = async (path: string) => {
      const deadline = Date.now() + 60_000
      while (Date.now() < deadline) {
        if ((await call(alice, 'GET', path)).statusCode === 404) return
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      throw new Error(`${path} stayed`)
    }
    await gone(`/group_snapshots/${gsid}`)
    expect(
      (await call(alice, 'POST', `/groups/${gid}/action`, { delete: { 'delete-volumes': false } }))
        .statusCode,
    ).toBe(400)
    for (const g of [gid, cid])
      expect(
        (await call(alice, 'POST', `/groups/${g}/action`, { delete: { 'delete-volumes': true } }))
          .statusCode,
      ).toBe(202)
    await gone(`/groups/${gid}`)
    await gone(`/groups/${cid}`)
    for (const id of ids) await gone(`/volumes/${id}`)
    expect((await call(alice, 'GET', '/groups/detail')).json<{ groups: Json[] }>().groups).toEqual(
      [],
    )
  })

  it('lets an admin reset a group status from 3.20', async () => {
    const gt = await call(admin, 'POST', '/group_types', { group_type: { name: 'gt-reset' } })
    const gtid = String(gt.json<{ group_type: Json }>().group_type['id'])
    const created = await call(alice, 'POST', '/groups', {
      group: { group_type: gtid, volume_types: ['__DEFAULT__'] },
    })
    const gid = String(created.json<{ group: Json }>().group['id'])
    await waitGroup(`/groups/${gid}`, 'group', 'available')
    const member = await call(alice, 'POST', `/groups/${gid}/action`, {
      reset_status: { status: 'error' },
    })
    expect(member.statusCode).toBe(403)
    const r = await call(admin, 'POST', `/groups/${gid}/action`, {
      reset_status: { status: 'error' },
    })
    expect(r.statusCode).toBe(202)
    await waitGroup(`/groups/${gid}`, 'group', 'error')
  })
})
