/** @module compute/virt/qemu/guest-volumes.test: which connections the qemu driver takes, and how it opens them */
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { GuestVolume } from '../compute-driver.js'
import {
  assertVolumeReachable,
  attachedVolumeOf,
  GuestVolumeError,
  nbdUrl,
  volumeBlockdev,
} from './guest-volumes.js'

function guestVolume(
  type: string,
  data: Record<string, unknown>,
  extra: Partial<GuestVolume> = {},
): GuestVolume {
  return {
    volumeId: 'v1',
    device: '/dev/vdb',
    connection: { driver_volume_type: type, data },
    bootIndex: null,
    readOnly: false,
    ...extra,
  }
}

describe('attachedVolumeOf', () => {
  it('takes a file connection as the file and its format', () => {
    const v = attachedVolumeOf(guestVolume('file', { path: '/v/volume-v1.qcow2', format: 'qcow2' }))
    expect(v).toEqual({
      volumeId: 'v1',
      device: '/dev/vdb',
      path: '/v/volume-v1.qcow2',
      format: 'qcow2',
      readOnly: false,
    })
  })

  it('takes an nbd connection as the export (host, port, name), a raw disk, read-only by access_mode', () => {
    const v = attachedVolumeOf(
      guestVolume('nbd', { host: '10.0.0.5', port: 10810, name: 'volume-v1', access_mode: 'ro' }),
    )
    expect(v).toEqual({
      volumeId: 'v1',
      device: '/dev/vdb',
      path: 'nbd://10.0.0.5:10810/volume-v1',
      format: 'raw',
      readOnly: true,
      nbd: { host: '10.0.0.5', port: 10810, export: 'volume-v1' },
    })
  })

  it('refuses an nbd connection without host, port or export, and the types it cannot reach', () => {
    expect(() => attachedVolumeOf(guestVolume('nbd', { host: '10.0.0.5', name: 'x' }))).toThrow(
      /names no host and TCP port/,
    )
    expect(() => attachedVolumeOf(guestVolume('nbd', { host: 'h', port: 10809 }))).toThrow(
      /names no export/,
    )
    expect(() => attachedVolumeOf(guestVolume('iscsi', {}))).toThrow(
      /an iSCSI target .* it attaches file and NBD volumes only/,
    )
    expect(() => attachedVolumeOf(guestVolume('weird', {}))).toThrow(GuestVolumeError)
  })
})

describe('volumeBlockdev', () => {
  it('adds an NBD volume as one nbd node on the export, retrying a lost server', () => {
    const v = attachedVolumeOf(guestVolume('nbd', { host: 'fd00::5', port: '10810', name: 'e' }))
    expect(nbdUrl(v.nbd ?? { host: '', port: 0, export: '' })).toBe('nbd://[fd00::5]:10810/e')
    expect(volumeBlockdev('vol-v1', v)).toEqual({
      driver: 'nbd',
      'node-name': 'vol-v1',
      server: { type: 'inet', host: 'fd00::5', port: '10810' },
      export: 'e',
      'reconnect-delay': 10,
      'read-only': false,
    })
  })

  it('adds a file volume as its format on a file node', () => {
    const v = attachedVolumeOf(guestVolume('file', { path: '/v/f.raw', format: 'raw' }))
    expect(volumeBlockdev('vol-v1', { ...v, readOnly: true })).toEqual({
      driver: 'raw',
      'node-name': 'vol-v1',
      'read-only': true,
      file: { driver: 'file', filename: '/v/f.raw', 'read-only': true },
    })
  })
})

describe('assertVolumeReachable', () => {
  it('accepts an NBD export whose server listens and names one that does not', async () => {
    const server = createServer((socket) => socket.destroy())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    const nbd = { host: '127.0.0.1', port, export: 'e' }
    const v = attachedVolumeOf(guestVolume('nbd', { host: '127.0.0.1', port, name: 'e' }))
    await expect(assertVolumeReachable({ ...v, nbd })).resolves.toBeUndefined()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await expect(assertVolumeReachable(v)).rejects.toThrow(
      `volume v1 cannot be attached: its NBD export nbd://127.0.0.1:${port}/e cannot be reached (ECONNREFUSED)`,
    )
  })
})
