/** @module block-storage/driver/driver-registry: the volume drivers by name (a static registry) */
import { FakeVolumeDriver } from './fake/fake-volume-driver.js'
import { FileVolumeDriver } from './file/file-volume-driver.js'
import type { NbdExportSettings } from './file/nbd-exports.js'
import type { VolumeDriver, VolumeFormat } from './volume-driver.js'

export const VOLUME_DRIVER_NAMES = ['file', 'fake'] as const
export type VolumeDriverName = (typeof VOLUME_DRIVER_NAMES)[number]

/** What a driver factory is given. */
export interface VolumeDriverSettings {
  /** Folder the backend may keep files in. */
  root: string
  format: VolumeFormat
  capacityGb: number
  /** The file backend's NBD exports to hosts that do not reach its folder. */
  exports?: NbdExportSettings
  /** Where a driver says what it could not do at init. */
  warn?: (message: string) => void
}

export const volumeDrivers: Readonly<
  Record<VolumeDriverName, (settings: VolumeDriverSettings) => VolumeDriver>
> = {
  file: (s) => new FileVolumeDriver(s),
  fake: (s) => new FakeVolumeDriver(s.capacityGb > 0 ? s.capacityGb : 1000),
}
