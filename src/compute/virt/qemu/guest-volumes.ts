/** @module compute/virt/qemu/guest-volumes: volumes as local files a QEMU guest gets as virtio disks */
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import type { GuestVolume } from '../compute-driver.js'
import type { AttachedVolume } from './guest-record.js'
import { volumeAddress, volumeIds } from './qemu-command.js'
import type { QmpConnection } from './qmp-client.js'

/** A volume the qemu driver cannot give a guest: its connection type, format or file. */
export class GuestVolumeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GuestVolumeError'
  }
}

/** Connection types of remote exports, and what the guest would need to reach them. */
const REMOTE_TYPES: Record<string, string> = {
  nbd: 'a remote NBD export',
  iscsi: 'an iSCSI target',
  rbd: 'a Ceph RBD image',
}

/**
 * The local file a volume's connection info names. Refuses another connection type (this driver
 * reaches no remote export) and a format other than raw or qcow2; checks nothing on disk.
 */
export function attachedVolumeOf(volume: GuestVolume): AttachedVolume {
  const { driver_volume_type: type, data } = volume.connection
  const id = volume.volumeId
  if (type !== 'file') {
    const what = REMOTE_TYPES[type]
    throw new GuestVolumeError(
      what
        ? `volume ${id} cannot be attached: its connection is ${what} (driver_volume_type ${type}), which is not available to the qemu driver on this host; it attaches local file volumes only`
        : `volume ${id} cannot be attached: connection type ${JSON.stringify(type)} is not supported by the qemu driver, which attaches local file volumes only`,
    )
  }
  const path = data['path']
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new GuestVolumeError(
      `volume ${id} cannot be attached: its file connection names no absolute path`,
    )
  }
  const format = data['format'] ?? 'raw'
  if (format !== 'raw' && format !== 'qcow2') {
    throw new GuestVolumeError(
      `volume ${id} cannot be attached: format ${String(format)} is not raw or qcow2`,
    )
  }
  const readOnly = volume.readOnly || data['access_mode'] === 'ro'
  return { volumeId: id, device: volume.device, path, format, readOnly }
}

/** Throws a clear error when the volume's file is missing or not accessible as it will be used. */
export async function assertVolumeFile(volume: AttachedVolume): Promise<void> {
  const mode = volume.readOnly ? constants.R_OK : constants.R_OK | constants.W_OK
  await access(volume.path, mode).catch((error: NodeJS.ErrnoException) => {
    const why =
      error.code === 'ENOENT'
        ? 'does not exist on this host'
        : `cannot be ${volume.readOnly ? 'read' : 'read and written'} (${error.code ?? error.message})`
    throw new GuestVolumeError(
      `volume ${volume.volumeId} cannot be attached: its file ${volume.path} ${why}`,
    )
  })
}

/** Hotplugs a volume into a running guest as a virtio-blk disk; undoes the block node on failure. */
export async function plugVolume(qmp: QmpConnection, volume: AttachedVolume): Promise<void> {
  const ids = volumeIds(volume.volumeId)
  const readOnly = { 'read-only': volume.readOnly }
  await qmp.execute('blockdev-add', {
    driver: volume.format,
    'node-name': ids.node,
    ...readOnly,
    file: { driver: 'file', filename: volume.path, ...readOnly },
  })
  try {
    await qmp.execute('device_add', {
      driver: 'virtio-blk-pci',
      drive: ids.node,
      id: ids.device,
      serial: ids.serial,
      ...volumeAddress(volume),
    })
  } catch (error) {
    await qmp.execute('blockdev-del', { 'node-name': ids.node }).catch(() => undefined)
    throw error
  }
}

/** Unplugs a volume from a running guest, once the guest has released the device. */
export async function unplugVolume(
  qmp: QmpConnection,
  volumeId: string,
  timeoutMs: number,
): Promise<void> {
  const ids = volumeIds(volumeId)
  const deleted = qmp.waitForEvent('DEVICE_DELETED', timeoutMs)
  await qmp.execute('device_del', { id: ids.device })
  if ((await deleted) === undefined) {
    throw new GuestVolumeError(
      `the guest did not release volume ${volumeId} within ${timeoutMs} ms; it stays attached`,
    )
  }
  await qmp.execute('blockdev-del', { 'node-name': ids.node })
}
