/** @module compute/virt/driver-registry: the compute drivers by name (a static registry) */
import type { ImageClient } from '../../clients/image-client.js'
import type { ComputeDriver } from './compute-driver.js'
import { ContainerDriver } from './container/container-driver.js'
import { containerImageSource } from './container/container-image-source.js'
import type { ComputeDriverName } from './driver-names.js'
import { FakeDriver } from './fake/fake-driver.js'
import { imageServiceSource } from './qemu/image-service-source.js'
import { QemuDriver } from './qemu/qemu-driver.js'

/** What a driver factory is given. */
export interface DriverSettings {
  vcpus: number
  memoryMb: number
  diskGb: number
  /** Where a driver keeps its guests' files (the qemu driver needs one). */
  dataDir?: string
  /** The image service, for drivers that fetch image data (qemu). */
  images?: ImageClient
  log?: (level: 'info' | 'warn', message: string) => void
}

export const computeDrivers: Readonly<
  Record<ComputeDriverName, (settings: DriverSettings) => ComputeDriver>
> = {
  fake: (settings) => new FakeDriver(settings),
  qemu: (settings) => {
    if (!settings.dataDir || !settings.images) {
      throw new Error('the qemu compute driver needs a data dir and the image service')
    }
    return new QemuDriver({
      dataDir: settings.dataDir,
      images: imageServiceSource(settings.images),
      ...(settings.log ? { log: settings.log } : {}),
    })
  },
  container: (settings) => {
    if (!settings.dataDir || !settings.images) {
      throw new Error('the container compute driver needs a data dir and the image service')
    }
    return new ContainerDriver({
      dataDir: settings.dataDir,
      images: containerImageSource(settings.images),
      ...(settings.log ? { log: settings.log } : {}),
    })
  },
}
