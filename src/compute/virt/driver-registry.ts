/** @module compute/virt/driver-registry: the compute drivers by name (a static registry) */
import type { ComputeDriver } from './compute-driver.js'
import type { ComputeDriverName } from './driver-names.js'
import { FakeDriver } from './fake/fake-driver.js'

/** What a driver factory is given. */
export interface DriverSettings {
  vcpus: number
  memoryMb: number
  diskGb: number
}

export const computeDrivers: Readonly<
  Record<ComputeDriverName, (settings: DriverSettings) => ComputeDriver>
> = {
  fake: (settings) => new FakeDriver(settings),
}
