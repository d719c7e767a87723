/** @module block-storage/test/restart.test: nothing stays transitional, nor leaves a file, after a crash */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { admin, alice, createBlockStorageFixture, type Json } from './block-storage-fixture.js'

const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-volume-restart-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('block storage restart', () => {
  it('fails interrupted creations with a reason and removes their files', async () => {
    const first = await createBlockStorageFixture({ dataDir })
    const v = await first.createVolume(alice, { size: 1, name: 'interrupted' })
    const id = String(v['id'])
    await first.waitVolume(alice, id, ['available'])
    const keep = await first.createVolume(alice, { size: 1, name: 'kept' })
    await first.waitVolume(alice, String(keep['id']), ['available'])
    // As if the process died after the backend made the file but before the database said so,
    // and during another creation that had written half a file.
    await first.unit.ctx.db
      .updateTable('volume')
      .set({ status: 'creating' })
      .where('id', '=', id)
      .execute()
    const volumes = join(dataDir, 'volumes')
    writeFileSync(join(volumes, 'volume-other.qcow2.partial-0badf00d'), 'half')
    await first.close()

    const second = await createBlockStorageFixture({ dataDir })
    try {
      const failed = await second.waitVolume(alice, id, ['error'])
      expect(failed['status']).toBe('error')
      const messages = await second.request(alice, {
        method: 'GET',
        url: second.url(alice, '/messages'),
        headers: { 'openstack-api-version': 'volume 3.3' },
      })
      const mine = (messages.json<Json>()['messages'] as Json[]).filter(
        (m) => m['resource_uuid'] === id,
      )
      expect(String(mine[0]?.['user_message'])).toContain('restarted')
      await second.unit.ctx.background.drain()
      expect(existsSync(join(volumes, `volume-${id}.qcow2`))).toBe(false)
      expect(readdirSync(volumes)).toEqual([`volume-${String(keep['id'])}.qcow2`])
      expect((await second.waitVolume(alice, String(keep['id']), ['available']))['status']).toBe(
        'available',
      )
      const del = await second.request(alice, {
        method: 'DELETE',
        url: second.url(alice, `/volumes/${id}`),
      })
      expect(del.statusCode).toBe(202)
      await second.waitGone(alice, `/volumes/${id}`)
    } finally {
      await second.close()
    }
  })

  it('settles groups and group snapshots left creating or deleting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-group-restart-'))
    const mv = { 'openstack-api-version': 'volume 3.60' }
    const first = await createBlockStorageFixture({ dataDir: dir })
    const gt = await first.request(admin, {
      method: 'POST',
      url: first.url(admin, '/group_types'),
      headers: mv,
      payload: { group_type: { name: 'gt' } },
    })
    const ids: string[] = []
    for (let i = 0; i < 2; i++) {
      const g = await first.request(alice, {
        method: 'POST',
        url: first.url(alice, '/groups'),
        headers: mv,
        payload: {
          group: {
            group_type: gt.json<{ group_type: Json }>().group_type['id'],
            volume_types: ['__DEFAULT__'],
          },
        },
      })
      ids.push(String(g.json<{ group: Json }>().group['id']))
    }
    await first.unit.ctx.background.drain()
    const [made = '', dying = ''] = ids
    await first.unit.ctx.db
      .updateTable('volume_group')
      .set({ status: 'creating' })
      .where('id', '=', made)
      .execute()
    await first.unit.ctx.db
      .updateTable('volume_group')
      .set({ status: 'deleting' })
      .where('id', '=', dying)
      .execute()
    await first.close()
    const second = await createBlockStorageFixture({ dataDir: dir })
    try {
      const status = async (id: string) =>
        (
          await second.request(alice, {
            method: 'GET',
            url: second.url(alice, `/groups/${id}`),
            headers: mv,
          })
        ).json<{ group: Json }>().group['status']
      expect(await status(made)).toBe('available')
      expect(await status(dying)).toBe('error_deleting')
      const again = await second.request(alice, {
        method: 'POST',
        url: second.url(alice, `/groups/${dying}/action`),
        headers: mv,
        payload: { delete: { 'delete-volumes': true } },
      })
      expect(again.statusCode).toBe(202)
    } finally {
      await second.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
