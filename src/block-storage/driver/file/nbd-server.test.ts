/** @module block-storage/driver/file/nbd-server.test: the qemu-nbd command line of an export */
import { describe, expect, it } from 'vitest'
import { ExecError } from '../../../core/sys/exec.js'
import { nbdServerArgs, portTaken } from './nbd-server.js'

const spec = {
  path: '/srv/volumes/volume-v1.qcow2',
  format: 'qcow2' as const,
  address: '10.0.0.5',
  port: 10810,
  exportName: 'volume-v1',
  readOnly: false,
  maxClients: 16,
  pidFile: '/srv/volumes/nbd-exports/v1.pid',
}

describe('nbdServerArgs', () => {
  it('forks once listening, keeps serving, binds the address and port and names the export', () => {
    expect(nbdServerArgs(spec)).toEqual([
      '--fork',
      '--pid-file',
      '/srv/volumes/nbd-exports/v1.pid',
      '--persistent',
      '--shared=16',
      '--format=qcow2',
      '--bind',
      '10.0.0.5',
      '--port',
      '10810',
      '--export-name',
      'volume-v1',
      '--discard=unmap',
      '/srv/volumes/volume-v1.qcow2',
    ])
  })

  it('exports read-only when asked, the file always last', () => {
    const args = nbdServerArgs({ ...spec, readOnly: true, format: 'raw' })
    expect(args).toContain('--read-only')
    expect(args).not.toContain('--discard=unmap')
    expect(args).toContain('--format=raw')
    expect(args.at(-1)).toBe(spec.path)
  })
})

describe('portTaken', () => {
  it('tells a taken port from other failures', () => {
    const fail = (stderr: string) =>
      new ExecError('qemu-nbd', 'exit 1', { code: 1, stdout: '', stderr })
    expect(
      portTaken(fail('qemu-nbd: Failed to find an available port: Address already in use')),
    ).toBe(true)
    expect(portTaken(fail('Failed to get "write" lock'))).toBe(false)
    expect(portTaken(new Error('Address already in use'))).toBe(false)
  })
})
