/** @module compute/virt/qemu/guest-volumes: volumes (local files or NBD exports) a QEMU guest gets as virtio disks */
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { connect } from 'node:net'
import type { GuestVolume } from '../compute-driver.js'
import type { AttachedVolume, NbdSource } from './guest-record.js'
import { NBD_RECONNECT_DELAY_S, volumeAddress, volumeIds } from './qemu-command.js'
import type { QmpConnection } from './qmp-client.js'

/** A volume the qemu driver cannot give a guest: its connection type, format or file. */
export class GuestVolumeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GuestVolumeError'
  }
}

/** Connection types of remote exports QEMU could reach with what this host lacks. */
const REMOTE_TYPES: Record<string, string> = {
  iscsi: 'an iSCSI target',
  rbd: 'a Ceph RBD image',
}

/** How long the attach check waits for an NBD server to accept a connection. */
const NBD_PROBE_MS = 5_000

/** The NBD export an `nbd` connection names (Cinder's host, port and export name). */
function nbdSourceOf(id: string, data: Record<string, unknown>): NbdSource {
  const host = data['host']
  const port = Number(data['port'])
  const name = data['name'] ?? data['export']
  if (
    typeof host !== 'string' ||
    host === '' ||
    !Number.isInteger(port) ||
    port < 1 ||
    port > 65535
  )
    throw new GuestVolumeError(
      `volume ${id} cannot be attached: its NBD connection names no host and TCP port`,
    )
  if (typeof name !== 'string' || name === '')
    throw new GuestVolumeError(
      `volume ${id} cannot be attached: its NBD connection names no export`,
    )
  return { host, port, export: name }
}

/** The `nbd://` URL of an export, as qemu-img and qemu-io open it. */
export function nbdUrl(source: NbdSource): string {
  const host = source.host.includes(':') ? `[${source.host}]` : source.host
  return `nbd://${host}:${source.port}/${encodeURIComponent(source.export)}`
}

/**
 * The local file or NBD export a volume's connection info names. Refuses another connection type
 * and a file format other than raw or qcow2; checks nothing on disk or on the network.
 */
export function attachedVolumeOf(volume: GuestVolume): AttachedVolume {
  const { driver_volume_type: type, data } = volume.connection
  const id = volume.volumeId
  const readOnly = volume.readOnly || data['access_mode'] === 'ro'
  const device = volume.device
  if (type === 'nbd') {
    const nbd = nbdSourceOf(id, data)
    return { volumeId: id, device, path: nbdUrl(nbd), format: 'raw', readOnly, nbd }
  }
  if (type !== 'file') {
    const what = REMOTE_TYPES[type]
    throw new GuestVolumeError(
      what
        ? `volume ${id} cannot be attached: its connection is ${what} (driver_volume_type ${type}), which is not available to the qemu driver on this host; it attaches file and NBD volumes only`
        : `volume ${id} cannot be attached: connection type ${JSON.stringify(type)} is not supported by the qemu driver, which attaches file and NBD volumes only`,
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
  return { volumeId: id, device, path, format, readOnly }
}

/** Throws a clear error when an NBD server does not accept a TCP connection. */
async function assertNbdListens(volumeId: string, nbd: NbdSource): Promise<void> {
  const why = await new Promise<string | undefined>((resolve) => {
    const socket = connect({ host: nbd.host, port: nbd.port, timeout: NBD_PROBE_MS })
    const done = (reason?: string) => {
      socket.destroy()
      resolve(reason)
    }
    socket.once('connect', () => done())
    socket.once('timeout', () => done(`no answer within ${NBD_PROBE_MS} ms`))
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message))
  })
  if (why !== undefined)
    throw new GuestVolumeError(
      `volume ${volumeId} cannot be attached: its NBD export ${nbdUrl(nbd)} cannot be reached (${why})`,
    )
}

/**
 * Throws a clear error when the volume cannot be reached as it will be used: a file missing or
 * not accessible, an NBD server that does not accept connections.
 */
export async function assertVolumeReachable(volume: AttachedVolume): Promise<void> {
  if (volume.nbd) return assertNbdListens(volume.volumeId, volume.nbd)
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

/** The `blockdev-add` arguments of a volume's block node `node`: a format on a file, or NBD. */
export function volumeBlockdev(node: string, volume: AttachedVolume): Record<string, unknown> {
  const readOnly = { 'read-only': volume.readOnly }
  if (volume.nbd) {
    const { host, port } = volume.nbd
    return {
      driver: 'nbd',
      'node-name': node,
      server: { type: 'inet', host, port: String(port) },
      export: volume.nbd.export,
      'reconnect-delay': NBD_RECONNECT_DELAY_S,
      ...readOnly,
    }
  }
  return {
    driver: volume.format,
    'node-name': node,
    ...readOnly,
    file: { driver: 'file', filename: volume.path, ...readOnly },
  }
}

/** Hotplugs a volume into a running guest as a virtio-blk disk; undoes the block node on failure. */
export async function plugVolume(qmp: QmpConnection, volume: AttachedVolume): Promise<void> {
  const ids = volumeIds(volume.volumeId)
  await qmp.execute('blockdev-add', volumeBlockdev(ids.node, volume))
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
