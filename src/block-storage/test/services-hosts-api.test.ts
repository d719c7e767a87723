/** @module block-storage/test/services-hosts-api.test: os-services (freeze, thaw, disable-log-reason) and os-hosts, through HTTP */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  admin,
  alice,
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

const BACKEND = 'node1@file'

function services(action: string, payload: Json) {
  return f.request(admin, { method: 'PUT', url: f.url(admin, `/os-services/${action}`), payload })
}

async function volumeService(): Promise<Json> {
  const r = await f.request(admin, { method: 'GET', url: f.url(admin, '/os-services') })
  return (r.json<Json>()['services'] as Json[]).find((s) => s['binary'] === 'cinder-volume') ?? {}
}

function message(r: { json<T>(): T }): string {
  const body = r.json<Json>()
  return String((Object.values(body)[0] as Json)['message'])
}

async function availableVolume(): Promise<string> {
  const v = await f.createVolume(alice, { size: 1 })
  await f.waitVolume(alice, String(v['id']), ['available'])
  return String(v['id'])
}

describe('freezing a backend', () => {
  it('refuses deletes and snapshots of its volumes and new placements until thawed', async () => {
    const id = await availableVolume()
    const frozen = await services('freeze', { host: 'node1' })
    expect(frozen.statusCode).toBe(200)
    expect(frozen.body).toBe('')
    expect(await volumeService()).toMatchObject({
      frozen: true,
      status: 'disabled',
      disabled_reason: 'frozen',
    })

    const del = await f.request(alice, { method: 'DELETE', url: f.url(alice, `/volumes/${id}`) })
    expect(del.statusCode).toBe(400)
    expect(message(del)).toBe(
      'Invalid input received: Modification operations are not allowed on frozen storage backends.',
    )
    const snap = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, '/snapshots'),
      payload: { snapshot: { volume_id: id } },
    })
    expect(snap.statusCode).toBe(400)
    const placed = await f.createVolume(alice, { size: 1 })
    expect(
      (await f.waitVolume(alice, String(placed['id']), ['error', 'available']))['status'],
    ).toBe('error')

    const again = await services('freeze', { host: BACKEND })
    expect(again.statusCode).toBe(400)
    expect(message(again)).toContain('No service could be changed')

    expect((await services('thaw', { host: BACKEND })).statusCode).toBe(200)
    expect(await volumeService()).toMatchObject({ frozen: false, status: 'enabled' })
    expect((await services('thaw', { host: BACKEND })).statusCode).toBe(400)
    const ok = await f.request(alice, { method: 'DELETE', url: f.url(alice, `/volumes/${id}`) })
    expect(ok.statusCode).toBe(202)
  })

  it('answers 400 for a host without a volume service or without a host', async () => {
    const unknown = await services('freeze', { host: 'invalid_host' })
    expect(unknown.statusCode).toBe(400)
    expect(message(unknown)).toBe('Invalid input received: No service found with host=invalid_host')
    expect((await services('thaw', { host: 'invalid_host' })).statusCode).toBe(400)
    expect((await services('freeze', {})).statusCode).toBe(400)
  })

  it('is for admins only', async () => {
    const r = await f.request(alice, {
      method: 'PUT',
      url: f.url(alice, '/os-services/freeze'),
      payload: { host: BACKEND },
    })
    expect(r.statusCode).toBe(403)
  })
})

describe('disable-log-reason', () => {
  it('refuses a null, blank or too long reason with 400', async () => {
    for (const reason of [null, ' '.repeat(10), 'a'.repeat(256), 7]) {
      const r = await services('disable-log-reason', {
        host: BACKEND,
        binary: 'cinder-volume',
        disabled_reason: reason,
      })
      expect(r.statusCode, JSON.stringify(reason)).toBe(400)
    }
    expect(await volumeService()).toMatchObject({ status: 'enabled' })
  })

  it('disables with the reason, and enabling clears it', async () => {
    const r = await services('disable-log-reason', {
      host: BACKEND,
      binary: 'cinder-volume',
      disabled_reason: 'maintenance window',
    })
    expect(r.statusCode).toBe(200)
    expect(r.json<Json>()).toMatchObject({
      status: 'disabled',
      disabled_reason: 'maintenance window',
    })
    expect(await volumeService()).toMatchObject({ disabled_reason: 'maintenance window' })
    const enabled = await services('enable', { host: BACKEND, binary: 'cinder-volume' })
    expect(enabled.json<Json>()).toEqual({
      host: BACKEND,
      binary: 'cinder-volume',
      service: 'cinder-volume',
      status: 'enabled',
      disabled: false,
      disabled_reason: null,
    })
  })
})

describe('os-hosts', () => {
  it('lists enabled services as Cinder does and shows a volume host with its usage', async () => {
    const id = await availableVolume()
    const list = await f.request(admin, { method: 'GET', url: f.url(admin, '/os-hosts') })
    const volumeHost = (list.json<Json>()['hosts'] as Json[]).find(
      (h) => h['service'] === 'cinder-volume',
    )
    expect(volumeHost).toMatchObject({
      host_name: BACKEND,
      'service-status': 'available',
      'service-state': 'enabled',
    })

    const show = await f.request(admin, {
      method: 'GET',
      url: f.url(admin, `/os-hosts/${BACKEND}`),
    })
    expect(show.statusCode).toBe(200)
    const resources = (show.json<Json>()['host'] as Json[]).map((h) => h['resource'] as Json)
    expect(resources[0]).toMatchObject({ host: BACKEND, project: '(total)' })
    expect(Number(resources[0]?.['volume_count'])).toBeGreaterThanOrEqual(1)
    const own = resources.find((r) => r['project'] === alice.projectId)
    expect(own).toMatchObject({ host: BACKEND, snapshot_count: '0', total_snapshot_gb: '0' })
    expect(typeof own?.['volume_count']).toBe('string')
    await f.request(alice, { method: 'DELETE', url: f.url(alice, `/volumes/${id}`) })
  })

  it('answers 404 for a host without an enabled volume service', async () => {
    const r = await f.request(admin, { method: 'GET', url: f.url(admin, '/os-hosts/nowhere') })
    expect(r.statusCode).toBe(404)
    expect(message(r)).toBe('Service cinder-volume could not be found on host nowhere.')
    await services('disable', { host: BACKEND, binary: 'cinder-volume' })
    try {
      const hidden = await f.request(admin, {
        method: 'GET',
        url: f.url(admin, `/os-hosts/${BACKEND}`),
      })
      expect(hidden.statusCode).toBe(404)
    } finally {
      await services('enable', { host: BACKEND, binary: 'cinder-volume' })
    }
  })
})
