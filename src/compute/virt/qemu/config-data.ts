/** @module compute/virt/qemu/config-data: per-guest config data appended to an initramfs */
import { gzipSync } from 'node:zlib'
import { cpioArchive, type CpioEntry } from '../../images/cpio-archive.js'
import type { GuestSpec } from '../compute-driver.js'

/**
 * The guest's hostname, SSH key and user-data as a gzip'd cpio archive holding
 * `config-drive/nimbus/*`. Linux unpacks every archive of a concatenated initramfs, so this
 * follows the image's ramdisk and the tiny guest's /init finds its config there without a disk.
 */
export function configDataArchive(spec: GuestSpec): Buffer {
  const entries: CpioEntry[] = [
    { kind: 'dir', path: 'config-drive' },
    { kind: 'dir', path: 'config-drive/nimbus' },
    { kind: 'file', path: 'config-drive/nimbus/hostname', data: Buffer.from(`${spec.name}\n`) },
    { kind: 'file', path: 'config-drive/nimbus/instance-id', data: Buffer.from(`${spec.uuid}\n`) },
  ]
  if (spec.keyData) {
    const data = Buffer.from(`${spec.keyData.trim()}\n`)
    entries.push({ kind: 'file', path: 'config-drive/nimbus/authorized_keys', data })
  }
  if (spec.userData) {
    // Nova keeps user_data base64-encoded, as the API received it
    const data = Buffer.from(spec.userData, 'base64')
    entries.push({ kind: 'file', path: 'config-drive/nimbus/user_data', data, mode: 0o700 })
  }
  return gzipSync(cpioArchive(entries))
}
