/** @module network/ipam/ip-address.test: address parsing, formatting and pool arithmetic */
import { describe, expect, it } from 'vitest'
import { checkPools, defaultPools, freeAddresses, poolText } from './allocation-pools.js'
import {
  cidrsOverlap,
  eui64Address,
  formatCidr,
  formatIp,
  normalizeIp,
  parseCidr,
  parseIp,
} from './ip-address.js'

describe('ip addresses', () => {
  it('formats IPv6 the way netaddr does', () => {
    expect(normalizeIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1')
    expect(normalizeIp('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1')
    expect(normalizeIp('::')).toBe('::')
    expect(normalizeIp('::ffff:10.0.0.1')).toBe('::ffff:a00:1')
    expect(normalizeIp('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3')
  })

  it('refuses malformed addresses and prefixes', () => {
    for (const bad of ['192.168.1.', '256.1.1.1', 'bad_prefix', '1:2:3:4:5:6:7:8:9', '1::2::3']) {
      expect(parseIp(bad)).toBeUndefined()
    }
    expect(parseCidr('192.168.1.1/33')).toBeUndefined()
    expect(parseCidr('10.0.0.1/24', { strict: true })).toBeUndefined()
    expect(parseCidr('256')).toBeUndefined()
  })

  it('computes networks, overlaps and EUI-64 addresses', () => {
    const a = parseCidr('10.100.0.0/28')!
    expect(formatCidr(a)).toBe('10.100.0.0/28')
    expect(formatIp(4, a.last)).toBe('10.100.0.15')
    expect(cidrsOverlap(a, parseCidr('10.100.0.8/29')!)).toBe(true)
    expect(cidrsOverlap(a, parseCidr('10.100.0.16/28')!)).toBe(false)
    const v6 = parseCidr('2001:db8::/64')!
    expect(formatIp(6, eui64Address(v6, 'fa:16:3e:11:22:33'))).toBe('2001:db8::f816:3eff:fe11:2233')
  })
})

describe('allocation pools', () => {
  it('defaults to the usable range without the gateway', () => {
    const cidr = parseCidr('10.0.0.0/24')!
    const pools = defaultPools(cidr, parseIp('10.0.0.1')!.value)
    expect(pools.map((p) => poolText(4, p))).toEqual(['10.0.0.2-10.0.0.254'])
    const middle = defaultPools(cidr, parseIp('10.0.0.100')!.value)
    expect(middle.map((p) => poolText(4, p))).toEqual([
      '10.0.0.1-10.0.0.99',
      '10.0.0.101-10.0.0.254',
    ])
  })

  it('keeps the last IPv6 address in the pool', () => {
    const pools = defaultPools(parseCidr('2001:db8::/64')!, parseIp('2001:db8::1')!.value)
    expect(pools.map((p) => poolText(6, p))).toEqual(['2001:db8::2-2001:db8::ffff:ffff:ffff:ffff'])
  })

  it('refuses pools outside the subnet, overlapping or holding the gateway', () => {
    const cidr = parseCidr('10.0.0.0/24')!
    const r = (s: string, e: string) => ({ start: parseIp(s)!.value, end: parseIp(e)!.value })
    expect(checkPools(cidr, [r('10.0.0.0', '10.0.0.9')], undefined)?.kind).toBe('out-of-bounds')
    expect(checkPools(cidr, [r('10.0.0.2', '10.0.1.9')], undefined)?.kind).toBe('out-of-bounds')
    expect(
      checkPools(cidr, [r('10.0.0.2', '10.0.0.9'), r('10.0.0.5', '10.0.0.20')], undefined)?.kind,
    ).toBe('overlap')
    expect(checkPools(cidr, [r('10.0.0.1', '10.0.0.9')], parseIp('10.0.0.1')!.value)?.kind).toBe(
      'gateway-conflict',
    )
    expect(
      checkPools(cidr, [r('10.0.0.2', '10.0.0.9')], parseIp('10.0.0.1')!.value),
    ).toBeUndefined()
  })

  it('finds free addresses in order, skipping used ones', () => {
    const pools = defaultPools(parseCidr('10.0.0.0/29')!, parseIp('10.0.0.1')!.value)
    const used = new Set([parseIp('10.0.0.2')!.value, parseIp('10.0.0.4')!.value])
    expect(freeAddresses(pools, used, 3).map((v) => formatIp(4, v))).toEqual([
      '10.0.0.3',
      '10.0.0.5',
      '10.0.0.6',
    ])
  })
})
