/** @module block-storage/test/restart.test: nothing stays transitional, nor leaves a file, after a crash */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { alice, createBlockStorageFixture, type Json } from './block-storage-fixture.js'

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
})
