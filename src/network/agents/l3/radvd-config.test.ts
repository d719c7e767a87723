import { describe, expect, it } from 'vitest'
import type { L3Router, RouterPort } from '../../rpc/payloads.js'
import { radvdConfig } from './radvd-config.js'

const port = (portId: string, advertised: RouterPort['advertised']): RouterPort => ({
  portId,
  networkId: 'n',
  macAddress: 'fa:16:3e:00:00:01',
  cidrs: [],
  mtu: 1450,
  advertised,
})

const router = (interfaces: RouterPort[]): L3Router => ({
  id: 'r1',
  adminStateUp: true,
  enableSnat: true,
  interfaces,
  gateway: null,
  routes: [],
  floatingIps: [],
})

describe('radvd configuration', () => {
  it('advertises SLAAC prefixes as autonomous and stateful ones as managed', () => {
    const text = radvdConfig(
      router([
        port('aaaaaaaa-1111', [{ cidr: 'fd00:1::/64', raMode: 'slaac' }]),
        port('bbbbbbbb-2222', [{ cidr: 'fd00:2::/64', raMode: 'dhcpv6-stateful' }]),
        port('cccccccc-3333', []),
      ]),
    ) as string
    const [first, second] = text.split('};\n').filter((b) => b.includes('interface'))
    expect(first).toContain('interface qr-aaaaaaaa-11')
    expect(first).toContain('prefix fd00:1::/64')
    expect(first).toContain('AdvAutonomous on;')
    expect(first).not.toContain('AdvManagedFlag')
    expect(first).toContain('AdvLinkMTU 1450;')
    expect(second).toContain('AdvManagedFlag on;')
    expect(second).toContain('AdvAutonomous off;')
    expect(text).not.toContain('qr-cccccccc')
  })

  it('sets the other-config flag for stateless DHCPv6 and advertises nothing without RA modes', () => {
    const text = radvdConfig(
      router([port('aaaaaaaa-1111', [{ cidr: 'fd00:1::/64', raMode: 'dhcpv6-stateless' }])]),
    )
    expect(text).toContain('AdvOtherConfigFlag on;')
    expect(text).toContain('AdvAutonomous on;')
    expect(radvdConfig(router([port('aaaaaaaa-1111', [])]))).toBeUndefined()
  })
})
