import { describe, expect, it } from 'vitest'
import type { L3Router } from '../../rpc/payloads.js'
import { routerNatTable } from './router-rules.js'

const router = (overrides: Partial<L3Router> = {}): L3Router => ({
  id: 'r1',
  adminStateUp: true,
  enableSnat: true,
  interfaces: [],
  gateway: {
    portId: 'gw',
    networkId: 'pub',
    macAddress: 'fa:16:3e:00:00:01',
    cidrs: ['172.24.4.10/24'],
    mtu: 1500,
    advertised: [],
    nexthop: '172.24.4.1',
  },
  routes: [],
  floatingIps: [{ floatingIpAddress: '172.24.4.20', fixedIpAddress: '10.1.0.5' }],
  ...overrides,
})

describe('router NAT table', () => {
  it('pairs DNAT and SNAT per floating IP and SNATs the rest through the gateway address', () => {
    const table = routerNatTable(router(), 'qg-gw')
    expect(table).toContain('ip daddr 172.24.4.20 dnat to 10.1.0.5')
    expect(table).toContain('oifname "qg-gw" ip saddr 10.1.0.5 snat to 172.24.4.20')
    expect(table).toContain('oifname "qg-gw" ip saddr != 172.24.4.10 snat to 172.24.4.10')
    // floating IP SNAT comes before the catch-all
    expect(table.indexOf('snat to 172.24.4.20')).toBeLessThan(table.indexOf('snat to 172.24.4.10'))
  })

  it('leaves out SNAT when disabled and every rule without a gateway', () => {
    expect(routerNatTable(router({ enableSnat: false }), 'qg-gw')).not.toContain(
      'snat to 172.24.4.10',
    )
    const bare = routerNatTable(router({ gateway: null }), undefined)
    expect(bare).not.toContain('dnat')
    expect(bare).not.toContain('snat')
  })
})
