import { describe, expect, it } from 'vitest'
import type { DhcpNetwork } from '../../rpc/payloads.js'
import { dnsmasqArgs, hostsFile, ipv4Network, optsFile } from './dnsmasq-config.js'

const network = (): DhcpNetwork => ({
  id: 'net-1',
  mtu: 1450,
  subnets: [
    {
      id: 's1',
      cidr: '10.1.0.0/24',
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

  it('serves static ranges only, on its own interface, without DNS', () => {
    const args = dnsmasqArgs(network(), '/d', 'ns-dhcp-port')
    expect(args).toContain('--dhcp-range=set:subnet-s1,10.1.0.0,static,255.255.255.0,86400s')
    expect(args).toContain('--interface=ns-dhcp-port')
    expect(args).toContain('--port=0')
  })
})
