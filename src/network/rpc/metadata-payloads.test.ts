import { describe, expect, it } from 'vitest'
import { isIpv4Address, parseMetadataPortQuery } from './metadata-payloads.js'
import { BadPayloadError } from './payloads.js'

describe('metadata port query', () => {
  it('takes a router or a network id with an IPv4 address', () => {
    expect(parseMetadataPortQuery({ routerId: 'r1', address: '10.0.0.5' })).toEqual({
      routerId: 'r1',
      address: '10.0.0.5',
    })
    expect(parseMetadataPortQuery({ networkId: 'n1', address: '10.0.0.5' })).toEqual({
      networkId: 'n1',
      address: '10.0.0.5',
    })
  })

  it('refuses both ids, neither, and addresses that are not IPv4', () => {
    for (const bad of [
      { routerId: 'r1', networkId: 'n1', address: '10.0.0.5' },
      { address: '10.0.0.5' },
      { routerId: 'r1', address: '10.0.0.256' },
      { routerId: 'r1', address: 'fd00::5' },
      { routerId: 'r 1', address: '10.0.0.5' },
      null,
      [],
    ]) {
      expect(() => parseMetadataPortQuery(bad)).toThrow(BadPayloadError)
    }
    expect(isIpv4Address('1.2.3.4')).toBe(true)
    expect(isIpv4Address('1.2.3')).toBe(false)
  })
})
