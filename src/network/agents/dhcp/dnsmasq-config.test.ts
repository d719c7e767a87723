import { describe, expect, it } from 'vitest'
import type { DhcpNetwork, DhcpSubnet } from '../../rpc/payloads.js'
import { dnsmasqArgs, hostsFile, ipv4Network, optsFile } from './dnsmasq-config.js'

const network = (): DhcpNetwork => ({
  id: 'net-1',
  mtu: 1450,
  subnets: [
    {
      id: 's1',
      cidr: '10.1.0.0/24',
      ipVersion: 4,
      ipv6RaMode: null,
      ipv6AddressMode: null,
      routed: true,
      gatewayIp: '10.1.0.1',
      dnsNameservers: ['192.0.2.53'],
      hostRoutes: [{ destination: '10.9.0.0/16', nexthop: '10.1.0.254' }],
    },
  ],
  port: { id: 'dhcp-port', macAddress: 'fa:16:3e:00:00:02', fixedIps: [] },
  hosts: [
    {
      macAddress: 'fa:16:3e:00:00:09',
      ipAddress: '10.1.0.9',
      hostname: 'host-10-1-0-9',
      subnetId: 's1',
    },
    { macAddress: 'fa:16:3e:00:00:05', ipAddress: '10.1.0.5', hostname: 'vm1', subnetId: 's1' },
  ],
})

const v6 = (id: string, modes: Partial<DhcpSubnet>): DhcpSubnet => ({
  id,
  cidr: `fd00:${id.length}::/64`,
  ipVersion: 6,
  gatewayIp: null,
  dnsNameservers: [],
  hostRoutes: [],
  ipv6RaMode: null,
  ipv6AddressMode: null,
  routed: false,
  ...modes,
})

describe('dnsmasq configuration', () => {
  it('computes network addresses and masks', () => {
    expect(ipv4Network('10.1.2.3/20')).toEqual({
      address: '10.1.0.0',
      netmask: '255.255.240.0',
      prefix: 20,
    })
    expect(ipv4Network('0.0.0.0/0').netmask).toBe('0.0.0.0')
    expect(() => ipv4Network('10.1.0.0/33')).toThrow(TypeError)
    expect(() => ipv4Network('fd00::/64')).toThrow(TypeError)
  })

  it('writes one static lease per port address, sorted', () => {
    expect(hostsFile(network())).toBe(
      'fa:16:3e:00:00:05,vm1,10.1.0.5\nfa:16:3e:00:00:09,host-10-1-0-9,10.1.0.9\n',
    )
  })

  it('gives router, DNS, classless routes with the default repeated, and MTU per subnet', () => {
    expect(optsFile(network()).split('\n')).toEqual([
      'tag:subnet-s1,option:router,10.1.0.1',
      'tag:subnet-s1,option:dns-server,192.0.2.53',
      'tag:subnet-s1,option:classless-static-route,10.9.0.0/16,10.1.0.254,0.0.0.0/0,10.1.0.1',
      'tag:subnet-s1,option:mtu,1450',
      '',
    ])
  })

  it('routes 169.254.169.254 via the DHCP port on subnets no router serves', () => {
    const isolated = network()
    const [subnet] = isolated.subnets
    if (!subnet) throw new Error('fixture has a subnet')
    subnet.routed = false
    isolated.port.fixedIps = [{ subnetId: 's1', ipAddress: '10.1.0.2' }]
    expect(optsFile(isolated, { metadataRoutes: true })).toContain(
      'tag:subnet-s1,option:classless-static-route,169.254.169.254/32,10.1.0.2,10.9.0.0/16,10.1.0.254,0.0.0.0/0,10.1.0.1\n',
    )
    // without the proxy, or behind a router (which answers 169.254.169.254), no such route
    expect(optsFile(isolated)).not.toContain('169.254.169.254')
    subnet.routed = true
    expect(optsFile(isolated, { metadataRoutes: true })).not.toContain('169.254.169.254')
    // a subnet without other routes or gateway still gets the metadata route alone
    subnet.routed = false
    subnet.hostRoutes = []
    subnet.gatewayIp = null
    expect(optsFile(isolated, { metadataRoutes: true })).toContain(
      'option:classless-static-route,169.254.169.254/32,10.1.0.2\n',
    )
  })

  it('serves static ranges only, on its own interface, without DNS', () => {
    const args = dnsmasqArgs(network(), '/d', 'ns-dhcp-port')
    expect(args).toContain('--dhcp-range=set:subnet-s1,10.1.0.0,static,255.255.255.0,86400s')
    expect(args).toContain('--interface=ns-dhcp-port')
    expect(args).toContain('--port=0')
  })

  it('serves IPv6 ranges as Neutron does, and advertises subnets no router advertises', () => {
    const base = network()
    const ranges = (subnets: DhcpSubnet[]) => {
      const args = dnsmasqArgs({ ...base, subnets }, '/d', 'ns-x')
      return args.filter((a) => a.startsWith('--dhcp-range') || a.includes('-ra'))
    }
    const routed = { routed: true }
    expect(
      ranges([
        v6('a', { ipv6AddressMode: 'dhcpv6-stateful', ipv6RaMode: 'dhcpv6-stateful', ...routed }),
      ]),
    ).toEqual(['--dhcp-range=set:subnet-a,fd00:1::,static,64,86400s'])
    expect(
      ranges([
        v6('ab', {
          ipv6AddressMode: 'dhcpv6-stateless',
          ipv6RaMode: 'dhcpv6-stateless',
          ...routed,
        }),
      ]),
    ).toEqual(['--dhcp-range=set:subnet-ab,fd00:2::,static,64,86400s'])
    expect(
      ranges([v6('abc', { ipv6AddressMode: 'slaac', ipv6RaMode: 'slaac', ...routed })]),
    ).toEqual([])
    expect(ranges([v6('abc', { ipv6AddressMode: 'slaac', ipv6RaMode: 'slaac' })])).toEqual([
      '--dhcp-range=set:subnet-abc,fd00:3::,ra-only,64,86400s',
      '--enable-ra',
      '--ra-param=ns-x,mtu:1450,30,0',
    ])
    expect(
      ranges([
        v6('ab', { ipv6AddressMode: 'dhcpv6-stateless', ipv6RaMode: 'dhcpv6-stateless' }),
      ])[0],
    ).toBe('--dhcp-range=set:subnet-ab,fd00:2::,ra-stateless,64,86400s')
    // no modes at all: stateful DHCPv6, as before the IPv6 attributes existed
    expect(ranges([v6('a', {})])).toEqual(['--dhcp-range=set:subnet-a,fd00:1::,static,64,86400s'])
    expect(ranges([{ ...v6('a', {}), cidr: 'fd00:1::/56' }])).toEqual([])
  })

  it('writes IPv6 leases in brackets and IPv6 DNS servers without IPv4 options', () => {
    const net: DhcpNetwork = {
      ...network(),
      subnets: [v6('a', { dnsNameservers: ['fd00::53'], gatewayIp: 'fd00:1::1' })],
      hosts: [
        { macAddress: 'fa:16:3e:00:00:05', ipAddress: 'fd00:1::5', hostname: 'vm1', subnetId: 'a' },
      ],
    }
    expect(hostsFile(net)).toBe('fa:16:3e:00:00:05,vm1,[fd00:1::5]\n')
    expect(optsFile(net)).toBe('tag:subnet-a,option6:dns-server,[fd00::53]\n')
  })
})
