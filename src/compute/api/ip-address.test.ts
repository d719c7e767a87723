/** @module compute/api/ip-address.test: IPv6 canonical form */
import { describe, expect, it } from 'vitest'
import { canonicalIpv6 } from './ip-address.js'

describe('canonicalIpv6', () => {
  it('compresses zeros and converts an embedded IPv4 tail as Nova stores it', () => {
    expect(canonicalIpv6('0000:0000:0000:0000:0000:babe:220.12.22.2')).toBe('::babe:dc0c:1602')
    expect(canonicalIpv6('2001:DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1')
    expect(canonicalIpv6('::1')).toBe('::1')
    expect(canonicalIpv6('fe80::')).toBe('fe80::')
  })
})
