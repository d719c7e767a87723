/** @module compute/model/block-device.test: device names of attached volumes */
import { describe, expect, it } from 'vitest'
import { nextDeviceName } from './block-device.js'

describe('nextDeviceName', () => {
  it('starts after the root at /dev/vdb', () => {
    expect(nextDeviceName([])).toBe('/dev/vdb')
    expect(nextDeviceName(['/dev/vda'])).toBe('/dev/vdb')
  })

  it('skips names in use, whatever their bus prefix, and fills gaps', () => {
    expect(nextDeviceName(['/dev/vda', '/dev/vdb', '/dev/sdc'])).toBe('/dev/vdd')
    expect(nextDeviceName(['/dev/vda', '/dev/vdc', null])).toBe('/dev/vdb')
  })

  it('goes on with two letters after /dev/vdz', () => {
    const used = Array.from({ length: 26 }, (_, i) => `/dev/vd${String.fromCharCode(97 + i)}`)
    expect(nextDeviceName(used)).toBe('/dev/vdaa')
  })
})
