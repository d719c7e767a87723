/** @module network/service/security-group-rules.test: rule checks in Neutron's words */
import { describe, expect, it } from 'vitest'
import { normalizeRule } from './security-group-rules.js'

const base = { securityGroupId: 'sg', direction: 'ingress', ethertype: 'IPv4' }

function message(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    return (error as Error).message
  }
  return ''
}

describe('security group rules', () => {
  it('refuses bad TCP port ranges with Neutron messages', () => {
    const tcp = (min: number | null, max: number | null) =>
      message(() =>
        normalizeRule({ ...base, protocol: 'tcp', portRangeMin: min, portRangeMax: max }),
      )
    expect(tcp(-16, 80)).toContain('Invalid value for port -16')
    expect(tcp(80, 79)).toContain('port_range_min must be <= port_range_max')
    expect(tcp(80, 65536)).toContain('Invalid value for port 65536')
    expect(tcp(null, 6)).toContain('port_range_min must be <= port_range_max')
  })

  it('refuses bad ICMP type and code values', () => {
    const icmp = (min: number | null, max: number | null) =>
      message(() =>
        normalizeRule({ ...base, protocol: 'icmp', portRangeMin: min, portRangeMax: max }),
      )
    expect(icmp(1, 256)).toContain('Invalid value for ICMP code')
    expect(icmp(null, 6)).toContain('ICMP type (port-range-min) is missing')
    expect(icmp(300, 1)).toContain('Invalid value for ICMP type')
    expect(icmp(11, null)).toBe('')
  })

  it('treats a protocol name and its number as the same rule', () => {
    const byName = normalizeRule({ ...base, protocol: 'udp' })
    const byNumber = normalizeRule({ ...base, protocol: 17 })
    expect(byNumber.protocol).toBe('17')
    expect(byName.fingerprint).toBe(byNumber.fingerprint)
  })

  it('refuses a prefix of the other IP version and unknown protocols', () => {
    expect(
      message(() => normalizeRule({ ...base, ethertype: 'IPv6', remoteIpPrefix: '10.0.0.0/8' })),
    ).toContain('Conflicting value ethertype')
    expect(message(() => normalizeRule({ ...base, protocol: 'bad_protocol_name' }))).toContain(
      'not supported',
    )
    expect(message(() => normalizeRule({ ...base, remoteIpPrefix: '192.168.1.1/33' }))).toContain(
      'remote_ip_prefix',
    )
  })
})
