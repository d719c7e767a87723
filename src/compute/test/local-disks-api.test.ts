/** @module compute/test/local-disks-api.test: ephemeral and swap disks from flavors and blank local mappings */
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

async function flavor(f: ComputeFixture, id: string, ephemeral: number, swap: number) {
  const res = await f.request(admin, {
    method: 'POST',
    url: '/compute/v2.1/flavors',
    payload: {
      flavor: {
        name: `local-${id}`,
        id,
        ram: 64,
        vcpus: 1,
        disk: 1,
        'OS-FLV-EXT-DATA:ephemeral': ephemeral,
        swap,
      },
    },
  })
  expect(res.statusCode, res.body).toBe(200)
}

function create(f: ComputeFixture, flavorRef: string, mappings?: Json[], extra: Json = {}) {
  return f.request(alice, {
    method: 'POST',
    url: '/compute/v2.1/servers',
    payload: {
      server: {
        name: 'local',
        imageRef: f.imageId,
        flavorRef,
        networks: [{ uuid: f.networkId }],
        ...(mappings ? { block_device_mapping_v2: mappings } : {}),
        ...extra,
      },
    },
  })
}

const blank = (extra: Json) => ({
  source_type: 'blank',
  destination_type: 'local',
  boot_index: -1,
  ...extra,
})

async function setup() {
  const driver = new FakeDriver()
  const f = (fx = await createComputeFixture({ volumeCapacityGb: 4, driverFor: () => driver }))
  await flavor(f, 'eph2-swap128', 2, 128)
  return { f, driver }
}

describe('ephemeral and swap disks', () => {
  it("gives the guest the flavor's ephemeral and swap disks, and its EC2 metadata names them after vda", async () => {
    const { f, driver } = await setup()
    const res = await create(f, 'eph2-swap128', undefined, { config_drive: true })
    expect(res.statusCode, res.body).toBe(202)
    const id = String(((res.json() as Json)['server'] as Json)['id'])
    await f.waitFor(alice, id, 'ACTIVE')
    const spec = driver.specOf(id)
    expect(spec?.ephemeralGb).toBe(2)
    expect(spec?.ephemerals).toBeUndefined()
    expect(spec?.swapMb).toBe(128)
    const files = spec?.configDrive?.files ?? []
    const ec2 = files.find((e) => e.path === 'ec2/latest/meta-data.json')
    const meta = JSON.parse(Buffer.from(ec2?.dataBase64 ?? '', 'base64').toString()) as Json
    expect(meta['block-device-mapping']).toEqual({
      ami: 'vda',
      root: '/dev/vda',
      ephemeral0: '/dev/vdb',
      swap: '/dev/vdc',
    })
  })

  it('gives the ephemeral and swap disks blank local mappings ask for instead', async () => {
    const { f, driver } = await setup()
    const res = await create(f, 'eph2-swap128', [
      blank({ volume_size: 1 }),
      blank({ volume_size: 1, guest_format: 'ext3' }),
      blank({ volume_size: 64, guest_format: 'swap' }),
    ])
    expect(res.statusCode, res.body).toBe(400)
    expect(res.body).toContain('more local devices than the limit allows')
    const ok = await create(f, 'eph2-swap128', [
      blank({ volume_size: 1, guest_format: 'ext3' }),
      blank({ volume_size: 64, guest_format: 'swap' }),
    ])
    expect(ok.statusCode, ok.body).toBe(202)
    const id = String(((ok.json() as Json)['server'] as Json)['id'])
    await f.waitFor(alice, id, 'ACTIVE')
    expect(driver.specOf(id)?.ephemerals).toEqual([{ sizeGb: 1, guestFormat: 'ext3' }])
    expect(driver.specOf(id)?.swapMb).toBe(64)
  })

  it('refuses with 400 what the flavor cannot hold, as Nova does', async () => {
    const { f } = await setup()
    const cases: [Json[], string][] = [
      [[blank({ volume_size: 3 })], 'Ephemeral disks requested are larger than the instance type'],
      // a mapping without a size takes the flavor's: two of them are twice too much
      [[blank({}), blank({})], 'Ephemeral disks requested are larger than the instance type'],
      [[blank({ guest_format: 'swap', volume_size: 256 })], 'Swap drive requested is larger'],
      [
        [blank({ guest_format: 'swap', volume_size: 1 }), blank({ guest_format: 'swap' })],
        'More than one swap drive requested.',
      ],
    ]
    for (const [mappings, message] of cases) {
      const res = await create(f, 'eph2-swap128', mappings)
      expect(res.statusCode, JSON.stringify(mappings)).toBe(400)
      expect(res.json()).toEqual({
        badRequest: { code: 400, message: expect.stringContaining(message) },
      })
    }
  })

  it('refuses a resize to a flavor with a smaller ephemeral disk, and leaves the server as it was', async () => {
    const { f, driver } = await setup()
    await flavor(f, 'eph1', 1, 0)
    await flavor(f, 'eph4', 4, 0)
    const id = String((((await create(f, 'eph2-swap128')).json() as Json)['server'] as Json)['id'])
    await f.waitFor(alice, id, 'ACTIVE')
    const resize = (flavorRef: string) =>
      f.request(alice, {
        method: 'POST',
        url: `/compute/v2.1/servers/${id}/action`,
        payload: { resize: { flavorRef } },
      })
    const refused = await resize('eph1')
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('Unable to resize disk down')
    expect((await f.server(alice, id))['status']).toBe('ACTIVE')
    expect((await resize('eph4')).statusCode).toBe(202)
    await f.waitFor(alice, id, 'VERIFY_RESIZE')
    // the driver hears the new flavor's ephemeral and swap sizes
    expect(driver.specOf(id)).toMatchObject({ ephemeralGb: 4, swapMb: 0 })
  })

  it('names an attached volume after the ephemeral and swap disks, as the guest sees it', async () => {
    const { f } = await setup()
    const id = String((((await create(f, 'eph2-swap128')).json() as Json)['server'] as Json)['id'])
    await f.waitFor(alice, id, 'ACTIVE')
    const made = await f.request(alice, {
      method: 'POST',
      url: `/volume/v3/${alice.projectId}/volumes`,
      payload: { volume: { size: 1, name: 'data' } },
    })
    const volumeId = String(((made.json() as Json)['volume'] as Json)['id'])
    for (let i = 0; i < 200; i++) {
      await f.bus.drain()
      const v = await f.request(alice, {
        method: 'GET',
        url: `/volume/v3/${alice.projectId}/volumes/${volumeId}`,
      })
      if (((v.json() as Json)['volume'] as Json)['status'] === 'available') break
      await new Promise((r) => setTimeout(r, 10))
    }
    const res = await f.request(alice, {
      method: 'POST',
      url: `/compute/v2.1/servers/${id}/os-volume_attachments`,
      payload: { volumeAttachment: { volumeId } },
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(((res.json() as Json)['volumeAttachment'] as Json)['device']).toBe('/dev/vdd')
  })
})
