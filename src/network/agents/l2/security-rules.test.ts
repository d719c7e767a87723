import { describe, expect, it } from 'vitest'
import type { L2State } from '../../rpc/payloads.js'
import { filterTable, spoofTable } from './security-rules.js'

const state = (): L2State => ({
  networks: [],
  ports: [
    {
      id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
      networkId: 'nnnnnnnn-nnnn',
      macAddress: 'fa:16:3e:00:00:01',
      adminStateUp: true,
      filtered: true,
      addresses: ['10.0.0.5'],
      macs: ['fa:16:3e:00:00:01'],
      securityGroups: ['g1'],
    },
    {
      id: 'bbbbbbbb-bbbb',
      networkId: 'nnnnnnnn-nnnn',
      macAddress: 'fa:16:3e:00:00:02',
      adminStateUp: true,
      filtered: false,
      addresses: ['10.0.0.1'],
      macs: ['fa:16:3e:00:00:02'],
      securityGroups: [],
    },
  ],
  securityGroups: {
    g1: [
      {
        direction: 'egress',
        ethertype: 'IPv4',
        protocol: null,
        portRangeMin: null,
        portRangeMax: null,
        remoteIpPrefix: null,
        remoteGroupId: null,
      },
      {
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        portRangeMin: 22,
        portRangeMax: 22,
        remoteIpPrefix: '192.0.2.0/24',
        remoteGroupId: null,
      },
      {
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'icmp',
        portRangeMin: 8,
        portRangeMax: null,
        remoteIpPrefix: null,
        remoteGroupId: null,
      },
      {
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: null,
        portRangeMin: null,
        portRangeMax: null,
        remoteIpPrefix: null,
        remoteGroupId: 'g1',
      },
      {
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'udp',
        portRangeMin: 53,
        portRangeMax: 54,
        remoteIpPrefix: null,
        remoteGroupId: 'empty',
      },
      {
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'icmpv6',
        portRangeMin: null,
        portRangeMax: null,
        remoteIpPrefix: null,
        remoteGroupId: null,
      },
    ],
  },
  groupMembers: { g1: ['10.0.0.5', '10.0.0.9'], empty: [] },
})

describe('security group tables', () => {
  it('sends a filtered port through its own chains and accepts established flows first', () => {
    const table = filterTable(state())
    expect(table).toContain('oifname "brqnnnnnnnn-nn" ip daddr 10.0.0.5 jump in-aaaaaaaa-aa')
    expect(table).toContain('iifname "brqnnnnnnnn-nn" ip saddr 10.0.0.5 jump out-aaaaaaaa-aa')
    expect(table.indexOf('ct state established,related accept')).toBeLessThan(
      table.indexOf('jump in-'),
    )
    expect(table).not.toContain('10.0.0.1 jump')
  })

  it('translates ports, ICMP types, prefixes and remote groups; drops what no rule allows', () => {
    const table = filterTable(state())
    const ingress = table.slice(table.indexOf('chain in-'), table.indexOf('chain out-'))
    expect(ingress).toContain('ip saddr 192.0.2.0/24 tcp dport 22 return')
    expect(ingress).toContain('icmp type 8 return')
    expect(ingress).toContain('ip saddr { 10.0.0.5, 10.0.0.9 } return')
    expect(ingress).not.toContain('dport 53-54')
    expect(ingress).not.toContain('icmpv6')
    expect(ingress.trim().split('\n').at(-2)?.trim()).toBe('drop')
    const egress = table.slice(table.indexOf('chain out-'))
    expect(egress).toContain('    meta nfproto ipv4 return\n')
    expect(table.slice(table.indexOf('chain in-'))).not.toMatch(/ accept$/m)
  })

  it('lets a filtered tap send only from its MACs and addresses', () => {
    const table = spoofTable(state())
    expect(table).toContain('iifname "tapaaaaaaaa-aa" jump spoof-aaaaaaaa-aa')
    expect(table).toContain('ether saddr fa:16:3e:00:00:01 jump spoof-ip-aaaaaaaa-aa')
    expect(table).toContain('ip saddr 10.0.0.5 accept')
    expect(table).not.toContain('tapbbbbbbbb-bb')
  })

  it('filters IPv6 by address family, letting neighbour discovery and DHCPv6 through', () => {
    const base = state()
    const v6: L2State = {
      ...base,
      ports: [
        {
          ...(base.ports[0] as L2State['ports'][number]),
          addresses: ['10.0.0.5', 'fd00::5', 'fe80::f816:3eff:fe00:1'],
        },
      ],
      securityGroups: {
        g1: [
          {
            direction: 'ingress',
            ethertype: 'IPv6',
            protocol: 'icmp',
            portRangeMin: 128,
            portRangeMax: null,
            remoteIpPrefix: '::/0',
            remoteGroupId: null,
          },
          {
            direction: 'ingress',
            ethertype: 'IPv6',
            protocol: null,
            portRangeMin: null,
            portRangeMax: null,
            remoteIpPrefix: null,
            remoteGroupId: 'g1',
          },
        ],
      },
      groupMembers: { g1: ['10.0.0.5', 'fd00::5'] },
    }
    const table = filterTable(v6)
    expect(table).toContain('oifname "brqnnnnnnnn-nn" ip6 daddr fd00::5 jump in-aaaaaaaa-aa')
    expect(table).toContain(
      'iifname "brqnnnnnnnn-nn" ip6 saddr fe80::f816:3eff:fe00:1 jump out-aaaaaaaa-aa',
    )
    expect(table.indexOf('nd-neighbor-solicit')).toBeLessThan(
      table.indexOf('ct state invalid drop'),
    )
    expect(table).toContain('meta nfproto ipv6 icmpv6 type 128 return')
    expect(table).toContain('ip6 saddr { fd00::5 } return')
    expect(table).toContain('meta nfproto ipv6 udp sport 547 udp dport 546 return')
    expect(table).toContain('meta nfproto ipv6 udp sport 546 udp dport 547 return')
    const spoof = spoofTable(v6)
    expect(spoof).toContain('ip6 saddr fd00::5 accept')
    expect(spoof).toContain('ip6 saddr fe80::f816:3eff:fe00:1 accept')
    expect(spoof).not.toContain('ip saddr fd00::5')
    // a guest is never a router nor a DHCPv6 server
    expect(spoof.indexOf('nd-router-advert drop')).toBeLessThan(spoof.indexOf('ip6 saddr fd00::5'))
    expect(spoof.indexOf('udp sport 547 drop')).toBeLessThan(spoof.indexOf('ip6 saddr fd00::5'))
    expect(spoof.trim().split('\n').slice(-3)[0]?.trim()).toBe('ether type ip6 drop')
  })
})
