/** @module block-storage/driver/fake/fake-volume-driver.test: the fake passes the conformance suite */
import { volumeDriverConformance } from '../volume-driver.conformance.js'
import { FakeVolumeDriver } from './fake-volume-driver.js'

volumeDriverConformance('fake', async () => {
  const d = new FakeVolumeDriver(100)
  await d.init()
  return d
})
