/** @module compute/virt/fake/fake-driver.test: the fake driver passes the driver conformance suite */
import { describe, expect, it } from 'vitest'
import { computeDriverConformance } from '../compute-driver.conformance.js'
import { FakeDriver } from './fake-driver.js'

computeDriverConformance(
  'fake',
  async () => {
    const driver = new FakeDriver()
    await driver.init('host1')
    return driver
  },
  {},
  {
    connect: async (volumeId) => ({
      driver_volume_type: 'file',
      data: { path: `/volumes/${volumeId}`, format: 'raw' },
    }),
    listVolumes: async (driver, uuid) =>
      (driver as FakeDriver).volumesOf(uuid).map((v) => v.volumeId),
    listInterfaces: async (driver, uuid) =>
      (driver as FakeDriver).vifsOf(uuid).map((v) => v.macAddress),
  },
)

describe('FakeDriver', () => {
  it('fails a spawn when the injected failure says so, leaving no guest', async () => {
    const driver = new FakeDriver({ failSpawn: () => new Error('disk full') })
    await driver.init('h')
    const spec = { uuid: 'x', name: 'x', vcpus: 1, memoryMb: 1, rootGb: 1, imageId: 'i', vifs: [] }
    await expect(driver.spawn(spec)).rejects.toThrow('disk full')
    expect(await driver.listGuests()).toEqual([])
  })
})
