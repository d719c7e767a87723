/** @module compute/model/block-device: a server's block device mapping (Nova's BDM) */

export const BDM_SOURCE_TYPES = ['image', 'volume', 'snapshot', 'blank'] as const
export type BdmSourceType = (typeof BDM_SOURCE_TYPES)[number]

export const BDM_DESTINATION_TYPES = ['local', 'volume'] as const
export type BdmDestinationType = (typeof BDM_DESTINATION_TYPES)[number]

/** One disk of a server: the image-backed root, or a volume (booted from or attached). */
export interface BlockDevice {
  uuid: string
  instanceUuid: string
  sourceType: BdmSourceType
  destinationType: BdmDestinationType
  deviceName: string | null
  bootIndex: number | null
  /** The volume, once it exists (a volume made at boot has none until the conductor creates it). */
  volumeId: string | null
  /** Block storage's v3 attachment while the volume is reserved or attached. */
  attachmentId: string | null
  imageId: string | null
  snapshotId: string | null
  volumeSize: number | null
  volumeType: string | null
  deleteOnTermination: boolean
  tag: string | null
  createdAt: string
  updatedAt: string | null
}

/** Whether the mapping is a volume (as opposed to the image-backed local root). */
export function isVolume(bdm: BlockDevice): boolean {
  return bdm.destinationType === 'volume'
}

/** The next free `/dev/vdX` device name after the ones in use (`/dev/vda` is the root). */
export function nextDeviceName(used: readonly (string | null)[]): string {
  const taken = new Set(used.filter((d): d is string => d !== null).map(letterOf))
  taken.add('a')
  for (let i = 0; i < 26 * 27; i++) {
    const name = i < 26 ? String.fromCharCode(97 + i) : letters(i)
    if (!taken.has(name)) return `/dev/vd${name}`
  }
  throw new Error('no free device name')
}

function letters(i: number): string {
  return String.fromCharCode(96 + Math.floor(i / 26)) + String.fromCharCode(97 + (i % 26))
}

/** `vdb` of `/dev/vdb`, `sdb` and `xvdb` alike: the letters after the bus prefix. */
function letterOf(device: string): string {
  return device.replace(/^\/dev\//, '').replace(/^(x?v|s|h)d/, '')
}
