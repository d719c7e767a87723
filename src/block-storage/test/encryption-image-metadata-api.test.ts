/** @module block-storage/test/encryption-image-metadata-api.test: type encryption, volume image metadata and detaching an available volume, through HTTP */
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

const LUKS = {
  provider: 'luks',
  cipher: 'aes-xts-plain64',
  key_size: 256,
  control_location: 'front-end',
}

async function newType(name: string): Promise<string> {
  const r = await f.request(admin, {
    method: 'POST',
    url: f.url(admin, '/types'),
    payload: { volume_type: { name } },
  })
  return String(r.json<{ volume_type: Json }>().volume_type['id'])
}

function encryption(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload?: Json) {
  return f.request(admin, {
    method,
    url: f.url(admin, `/types${path}`),
    ...(payload ? { payload } : {}),
  })
}

describe('volume type encryption', () => {
  it('creates, shows, updates and deletes a type encryption as Cinder answers', async () => {
    const type = await newType('enc-crud')
    expect((await encryption('GET', `/${type}/encryption`)).json<Json>()).toEqual({})

    const created = await encryption('POST', `/${type}/encryption`, {
      encryption: { ...LUKS, key_size: '256' },
    })
    expect(created.statusCode).toBe(200)
    const body = created.json<{ encryption: Json }>().encryption
    expect(body).toMatchObject({ ...LUKS, volume_type_id: type })
    expect(String(body['encryption_id'])).toMatch(/^[0-9a-f-]{36}$/)

    const shown = (await encryption('GET', `/${type}/encryption`)).json<Json>()
    expect(Object.keys(shown).sort()).toEqual(
      [
        'cipher',
        'control_location',
        'created_at',
        'deleted',
        'deleted_at',
        'encryption_id',
        'key_size',
        'provider',
        'updated_at',
        'volume_type_id',
      ].sort(),
    )
    expect(shown).toMatchObject({ ...LUKS, deleted: false, deleted_at: null })

    const again = await encryption('POST', `/${type}/encryption`, { encryption: LUKS })
    expect(again.statusCode).toBe(400)

    const change = { key_size: 128, provider: 'plain', control_location: 'back-end' }
    const updated = await encryption('PUT', `/${type}/encryption/provider`, { encryption: change })
    expect(updated.statusCode).toBe(200)
    expect(updated.json<Json>()).toEqual({ encryption: change })
    expect((await encryption('GET', `/${type}/encryption`)).json<Json>()).toMatchObject(change)
    const item = await encryption('GET', `/${type}/encryption/cipher`)
    expect(item.json<Json>()).toEqual({ cipher: 'aes-xts-plain64' })
    expect((await encryption('GET', `/${type}/encryption/nothing`)).statusCode).toBe(404)

    expect((await encryption('DELETE', `/${type}/encryption/provider`)).statusCode).toBe(202)
    expect((await encryption('GET', `/${type}/encryption`)).json<Json>()).toEqual({})
    expect((await encryption('DELETE', `/${type}/encryption/provider`)).statusCode).toBe(404)
  })

  it('validates provider, control location, cipher and key size', async () => {
    const type = await newType('enc-invalid')
    for (const bad of [
      { control_location: 'front-end' },
      { provider: 'luks' },
      { provider: 'luks', control_location: 'middle' },
      { provider: 'luks', control_location: 'front-end', key_size: 'big' },
      { provider: 'luks', control_location: 'front-end', key_size: -1 },
      { provider: 'luks', control_location: 'front-end', cipher: 'x'.repeat(256) },
    ]) {
      const r = await encryption('POST', `/${type}/encryption`, { encryption: bad })
      expect(r.statusCode, JSON.stringify(bad)).toBe(400)
    }
    expect((await encryption('POST', `/${type}/encryption`, {})).statusCode).toBe(400)
    expect((await encryption('GET', '/no-such-type/encryption')).statusCode).toBe(404)
    const member = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, `/types/${type}/encryption`),
      payload: { encryption: LUKS },
    })
    expect(member.statusCode).toBe(403)
  })

  it('marks volumes of an encrypted type encrypted and refuses changes while they exist', async () => {
    const type = await newType('enc-used')
    await encryption('POST', `/${type}/encryption`, { encryption: LUKS })
    const v = await f.createVolume(alice, { size: 1, volume_type: 'enc-used' })
    expect(v['encrypted']).toBe(true)
    const id = String(v['id'])
    expect((await f.waitVolume(alice, id, ['available']))['encrypted']).toBe(true)
    const plain = await f.createVolume(alice, { size: 1 })
    expect(plain['encrypted']).toBe(false)

    const update = await encryption('PUT', `/${type}/encryption/provider`, {
      encryption: { provider: 'plain' },
    })
    expect(update.statusCode).toBe(400)
    expect(String((update.json<Json>()['badRequest'] as Json)['message'])).toBe(
      'Cannot update encryption specs. Volume type in use.',
    )
    expect((await encryption('DELETE', `/${type}/encryption/provider`)).statusCode).toBe(400)
    const multi = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, '/volumes'),
      payload: { volume: { size: 1, volume_type: 'enc-used', multiattach: true } },
    })
    expect(multi.statusCode).toBe(400)
    await f.request(alice, { method: 'DELETE', url: f.url(alice, `/volumes/${id}`) })
    await f.waitGone(alice, `/volumes/${id}`)
    expect((await encryption('DELETE', `/${type}/encryption/provider`)).statusCode).toBe(202)
  })
})

describe('retype and encryption', () => {
  it('refuses a retype that would change the encryption, and allows one that keeps it', async () => {
    const encrypted = await newType('enc-retype-a')
    await encryption('POST', `/${encrypted}/encryption`, { encryption: LUKS })
    const same = await newType('enc-retype-b')
    await encryption('POST', `/${same}/encryption`, { encryption: LUKS })
    await newType('plain-retype')
    const v = await f.createVolume(alice, { size: 1, volume_type: 'enc-retype-a' })
    const id = String(v['id'])
    await f.waitVolume(alice, id, ['available'])
    const retype = (newType: string) =>
      f.request(alice, {
        method: 'POST',
        url: f.url(alice, `/volumes/${id}/action`),
        payload: { 'os-retype': { new_type: newType } },
      })
    const refused = await retype('plain-retype')
    expect(refused.statusCode).toBe(400)
    expect(String((refused.json<Json>()['badRequest'] as Json)['message'])).toBe(
      'Invalid input received: Retype requires migration but is not allowed.',
    )
    expect((await retype('enc-retype-b')).statusCode).toBe(202)
    expect((await f.waitVolume(alice, id, ['available']))['volume_type']).toBe('enc-retype-b')
  })
})

describe('volume image metadata actions', () => {
  it('sets, shows and unsets image metadata keys', async () => {
    const v = await f.createVolume(alice, { size: 1 })
    const id = String(v['id'])
    await f.waitVolume(alice, id, ['available'])
    const act = (payload: Json) =>
      f.request(alice, { method: 'POST', url: f.url(alice, `/volumes/${id}/action`), payload })

    const set = await act({
      'os-set_image_metadata': { metadata: { image_name: 'image', ramdisk_id: 'somedisk' } },
    })
    expect(set.statusCode).toBe(200)
    expect(set.json<Json>()).toEqual({ metadata: { image_name: 'image', ramdisk_id: 'somedisk' } })
    const more = await act({ 'os-set_image_metadata': { metadata: { kernel_id: 'k' } } })
    expect(more.json<Json>()).toEqual({
      metadata: { image_name: 'image', ramdisk_id: 'somedisk', kernel_id: 'k' },
    })
    expect((await f.waitVolume(alice, id, ['available']))['volume_image_metadata']).toEqual({
      image_name: 'image',
      ramdisk_id: 'somedisk',
      kernel_id: 'k',
    })

    const unset = await act({ 'os-unset_image_metadata': { key: 'ramdisk_id' } })
    expect(unset.statusCode).toBe(200)
    const shown = await act({ 'os-show_image_metadata': {} })
    expect(shown.json<Json>()).toEqual({ metadata: { image_name: 'image', kernel_id: 'k' } })
    expect((await act({ 'os-unset_image_metadata': { key: 'ramdisk_id' } })).statusCode).toBe(404)
    expect(
      (await act({ 'os-set_image_metadata': { metadata: { 'bad*key': 'x' } } })).statusCode,
    ).toBe(400)
    expect((await act({ 'os-set_image_metadata': {} })).statusCode).toBe(400)
  })
})

describe('os-detach', () => {
  it('accepts a detach of an available volume and leaves it available, as Cinder does', async () => {
    const v = await f.createVolume(alice, { size: 1 })
    const id = String(v['id'])
    await f.waitVolume(alice, id, ['available'])
    const r = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, `/volumes/${id}/action`),
      payload: { 'os-detach': {} },
    })
    expect(r.statusCode).toBe(202)
    const after = await f.waitVolume(alice, id, ['available'])
    expect(after['attachments']).toEqual([])
  })

  it('refuses a detach in maintenance', async () => {
    const v = await f.createVolume(alice, { size: 1 })
    const id = String(v['id'])
    await f.waitVolume(alice, id, ['available'])
    await f.request(admin, {
      method: 'POST',
      url: f.url(admin, `/volumes/${id}/action`),
      payload: { 'os-reset_status': { status: 'maintenance' } },
    })
    const r = await f.request(alice, {
      method: 'POST',
      url: f.url(alice, `/volumes/${id}/action`),
      payload: { 'os-detach': {} },
    })
    expect(r.statusCode).toBe(400)
    expect((await f.waitVolume(alice, id, ['maintenance']))['status']).toBe('maintenance')
  })
})
