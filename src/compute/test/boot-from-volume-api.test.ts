/** @module compute/test/boot-from-volume-api.test: servers booted from volumes made or given at create */
import { afterEach, describe, expect, it } from 'vitest'
import { FakeDriver } from '../virt/fake/fake-driver.js'
import {
  admin,
  alice,
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

const volumesUrl = (c: TestCaller) => `/volume/v3/${c.projectId}/volumes`

async function settle(f: ComputeFixture) {
  await f.bus.drain()
  for (const a of f.compute.agents) await a.idle()
  await f.bus.drain()
}

async function volumes(f: ComputeFixture, c: TestCaller): Promise<Json[]> {
  const res = await f.request(c, { method: 'GET', url: `${volumesUrl(c)}/detail` })
  return (res.json() as { volumes: Json[] }).volumes
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await probe()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function serverIn(f: ComputeFixture, id: string, statuses: string[]): Promise<Json> {
  return until(`server ${id} in ${statuses.join('/')}`, async () => {
    await settle(f)
    const s = await f.server(alice, id, '2.3')
    return statuses.includes(String(s['status'])) ? s : undefined
  })
}

function create(f: ComputeFixture, server: Json, mv = '2.1') {
  return f.request(alice, {
    method: 'POST',
    url: '/compute/v2.1/servers',
    headers: { 'openstack-api-version': `compute ${mv}` },
    payload: {
      server: { name: 'bfv', flavorRef: '42', networks: [{ uuid: f.networkId }], ...server },
    },
  })
}

describe('boot from volume', () => {
  it('makes a volume from the image, boots from it at /dev/vda and deletes it with the server', async () => {
    const driver = new FakeDriver()
    const f = (fx = await createComputeFixture({ volumeCapacityGb: 20, driverFor: () => driver }))
    const res = await create(f, {
      imageRef: '',
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
    })
    expect(res.statusCode).toBe(202)
    const id = String(((res.json() as Json)['server'] as Json)['id'])
    const s = await serverIn(f, id, ['ACTIVE', 'ERROR'])
    expect(s['status']).toBe('ACTIVE')
    expect(s['image']).toBe('')
    const attached = s['os-extended-volumes:volumes_attached'] as Json[]
    expect(attached).toHaveLength(1)
    expect(attached[0]?.['delete_on_termination']).toBe(true)
    const volumeId = String(attached[0]?.['id'])
    const v = (await volumes(f, alice)).find((x) => x['id'] === volumeId)
    expect(v?.['status']).toBe('in-use')
    expect(driver.volumesOf(id)).toMatchObject([{ volumeId, device: '/dev/vda', bootIndex: 0 }])
    // the guest learns how to boot the volume from the image it was made from
    expect(driver.specOf(id)?.volumeImageMetadata?.['image_id']).toBe(f.imageId)
    const list = await f.request(alice, {
      method: 'GET',
      url: `/compute/v2.1/servers/${id}/os-volume_attachments`,
    })
    expect((list.json() as Json)['volumeAttachments']).toEqual([
      { id: volumeId, serverId: id, volumeId, device: '/dev/vda' },
    ])
    const detach = await f.request(alice, {
      method: 'DELETE',
      url: `/compute/v2.1/servers/${id}/os-volume_attachments/${volumeId}`,
    })
    expect(detach.statusCode).toBe(400)
    await f.request(alice, { method: 'DELETE', url: `/compute/v2.1/servers/${id}` })
    await until('the boot volume deleted', async () => {
      await settle(f)
      return (await volumes(f, alice)).some((x) => x['id'] === volumeId) ? undefined : true
    })
  })

  it('boots from an existing volume (reserved at create) and leaves it available after the delete', async () => {
    const driver = new FakeDriver()
    const f = (fx = await createComputeFixture({ volumeCapacityGb: 20, driverFor: () => driver }))
    const made = await f.request(alice, {
      method: 'POST',
      url: volumesUrl(alice),
      payload: { volume: { size: 1, imageRef: f.imageId } },
    })
    const volumeId = String(((made.json() as Json)['volume'] as Json)['id'])
    await until('the volume available', async () => {
      const v = (await volumes(f, alice)).find((x) => x['id'] === volumeId)
      return v?.['status'] === 'available' ? v : undefined
    })
    const res = await create(f, {
      block_device_mapping_v2: [
        { boot_index: '0', uuid: volumeId, source_type: 'volume', destination_type: 'volume' },
      ],
    })
    expect(res.statusCode).toBe(202)
    const id = String(((res.json() as Json)['server'] as Json)['id'])
    const s = await serverIn(f, id, ['ACTIVE', 'ERROR'])
    expect(s['status']).toBe('ACTIVE')
    expect(s['os-extended-volumes:volumes_attached']).toEqual([
      { id: volumeId, delete_on_termination: false },
    ])
    const again = await create(f, {
      block_device_mapping_v2: [
        { boot_index: 0, uuid: volumeId, source_type: 'volume', destination_type: 'volume' },
      ],
    })
    expect(again.statusCode).toBe(400)
    await f.request(alice, { method: 'DELETE', url: `/compute/v2.1/servers/${id}` })
    await until('the volume available again', async () => {
      await settle(f)
      const v = (await volumes(f, alice)).find((x) => x['id'] === volumeId)
      return v?.['status'] === 'available' ? v : undefined
    })
  })

  it('puts the server in ERROR with a fault and deletes the volume it made when that volume fails', async () => {
    const f = (fx = await createComputeFixture({ volumeCapacityGb: 20 }))
    const res = await create(f, {
      block_device_mapping_v2: [
        { boot_index: 0, source_type: 'blank', destination_type: 'volume', volume_size: 50 },
      ],
    })
    expect(res.statusCode).toBe(202)
    const id = String(((res.json() as Json)['server'] as Json)['id'])
    const s = await serverIn(f, id, ['ERROR'])
    expect(String((s['fault'] as Json)['message'])).toContain('did not finish being created')
    expect(s['os-extended-volumes:volumes_attached']).toEqual([])
    await until('the failed volume deleted', async () => {
      await settle(f)
      return (await volumes(f, alice)).length === 0 ? true : undefined
    })
    const ports = await f.request(admin, {
      method: 'GET',
      url: `/networking/v2.0/ports?device_id=${id}`,
    })
    expect((ports.json() as { ports: Json[] }).ports).toEqual([])
  })

  it('refuses mappings Nova refuses with 400', async () => {
    const f = (fx = await createComputeFixture({ volumeCapacityGb: 20 }))
    const cases: [Json, string][] = [
      [{ imageRef: '' }, 'Missing imageRef attribute'],
      [
        {
          block_device_mapping_v2: [
            { boot_index: 0, uuid: f.imageId, source_type: 'image', destination_type: 'volume' },
          ],
        },
        'need to have a non-zero size',
      ],
      [
        {
          block_device_mapping_v2: [
            {
              boot_index: 0,
              uuid: '0b6ddd39-b948-471f-8038-4787978747c4',
              source_type: 'volume',
              destination_type: 'volume',
            },
          ],
        },
        'failed to get volume',
      ],
      [
        {
          block_device_mapping_v2: [
            { boot_index: 1, source_type: 'blank', destination_type: 'volume', volume_size: 1 },
          ],
        },
        'Boot sequence',
      ],
      [
        {
          block_device_mapping_v2: [{ boot_index: 0, source_type: 'floppy' }],
        },
        'source_type',
      ],
    ]
    for (const [body, message] of cases) {
      const res = await create(f, body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(JSON.stringify(res.json())).toContain(message)
    }
  })
})
