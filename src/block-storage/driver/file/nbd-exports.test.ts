/** @module block-storage/driver/file/nbd-exports.test: which hosts get an NBD export */
import { describe, expect, it } from 'vitest'
import { wantsExport, type NbdExportSettings } from './nbd-exports.js'

const settings = (mode: NbdExportSettings['mode']): NbdExportSettings => ({
  mode,
  localHosts: ['storage1', 'node1'],
  address: '127.0.0.1',
  portMin: 10809,
  portMax: 10810,
})

describe('wantsExport', () => {
  it('gives the file to the storage host and its other names, an export to other hosts (auto)', () => {
    expect(wantsExport(settings('auto'), { host: 'storage1' })).toBe(false)
    expect(wantsExport(settings('auto'), { host: 'node1' })).toBe(false)
    expect(wantsExport(settings('auto'), { host: 'compute2' })).toBe(true)
  })

  it('exports to a connector that names no host (auto)', () => {
    expect(wantsExport(settings('auto'), {})).toBe(true)
  })

  it('exports to every host, its own too (nbd)', () => {
    expect(wantsExport(settings('nbd'), { host: 'storage1' })).toBe(true)
    expect(wantsExport(settings('nbd'), { host: 'compute2' })).toBe(true)
  })
})
