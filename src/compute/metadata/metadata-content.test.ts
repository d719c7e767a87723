import { describe, expect, it } from 'vitest'
import {
  configDriveFiles,
  ec2MetaData,
  networkData,
  openstackListing,
  openstackMetaData,
  type MetadataSource,
  type MetadataSubnet,
} from './metadata-content.js'
import { ec2Print, lookupMetadata, openstackVersions } from './metadata-paths.js'

function subnet(overrides: Partial<MetadataSubnet> = {}): MetadataSubnet {
  return {
    ipVersion: 4,
    cidr: '10.0.0.0/24',
    gatewayIp: '10.0.0.1',
    dnsNameservers: ['10.0.0.2'],
    hostRoutes: [{ destination: '192.168.0.0/16', nexthop: '10.0.0.254' }],
    enableDhcp: false,
    dhcpServer: false,
    ipv6AddressMode: null,
    ips: ['10.0.0.5'],
    ...overrides,
  }
}

function source(overrides: Partial<MetadataSource> = {}): MetadataSource {
  return {
    uuid: 'b5a3f1a2-0000-4000-8000-000000000001',
    name: 'alpha',
    hostname: 'alpha.novalocal',
    projectId: 'p-1',
    availabilityZone: 'nova',
    launchIndex: 0,
    reservationId: 'r-abc',
    meta: { role: 'web' },
    keypair: { name: 'k1', type: 'ssh', publicKey: 'ssh-ed25519 AAAA k1' },
    userData: Buffer.from('#!/bin/sh\necho hi\n'),
    flavorName: 'm1.tiny',
    ec2InstanceId: 'i-0000002a',
    ec2AmiId: 'ami-00000001',
    securityGroups: ['default', 'web'],
    vifs: [
      {
        portId: '0123456789abcdef-port',
        networkId: 'net-1',
        macAddress: 'fa:16:3e:00:00:01',
        mtu: 1450,
        subnets: [subnet()],
      },
    ],
    floatingIps: ['172.24.4.10'],
    blockDeviceMapping: { ami: 'vda', root: '/dev/vda' },
    password: null,
    ...overrides,
  }
}

const opts = { address: '10.0.0.5', today: '2026-12-07' }

describe('OpenStack metadata', () => {
  it('meta_data.json carries Nova fields by version', () => {
    const latest = openstackMetaData(source(), '2020-10-14')
    expect(latest).toMatchObject({
      uuid: source().uuid,
      meta: { role: 'web' },
      public_keys: { k1: 'ssh-ed25519 AAAA k1' },
      keys: [{ name: 'k1', type: 'ssh', data: 'ssh-ed25519 AAAA k1' }],
      hostname: 'alpha.novalocal',
      name: 'alpha',
      launch_index: 0,
      availability_zone: 'nova',
      project_id: 'p-1',
      devices: [],
      dedicated_cpus: [],
    })
    expect(Buffer.from(String(latest['random_seed']), 'base64')).toHaveLength(512)
    const folsom = openstackMetaData(source(), '2012-08-10')
    expect(Object.keys(folsom)).not.toContain('random_seed')
    expect(Object.keys(folsom)).not.toContain('project_id')
    const noKey = openstackMetaData(source({ keypair: null, meta: {} }), '2020-10-14')
    expect(Object.keys(noKey)).not.toContain('public_keys')
    expect(Object.keys(noKey)).not.toContain('meta')
  })

  it('lists per version what it has, user_data only when there is some', () => {
    expect(openstackListing(source(), '2012-08-10')).toEqual(['meta_data.json', 'user_data'])
    expect(openstackListing(source({ userData: null }), '2020-10-14')).toEqual([
      'meta_data.json',
      'password',
      'vendor_data.json',
      'network_data.json',
      'vendor_data2.json',
    ])
    expect(openstackVersions('2016-01-01').split('\n')).toEqual([
      '2012-08-10',
      '2013-04-04',
      '2013-10-17',
      '2015-10-15',
      'latest',
    ])
  })

  it('network_data.json gives links, static networks with routes and DNS', () => {
    expect(networkData(source().vifs)).toEqual({
      links: [
        {
          id: 'tap0123456789a',
          vif_id: '0123456789abcdef-port',
          type: 'bridge',
          mtu: 1450,
          ethernet_mac_address: 'fa:16:3e:00:00:01',
        },
      ],
      networks: [
        {
          id: 'network0',
          type: 'ipv4',
          link: 'tap0123456789a',
          ip_address: '10.0.0.5',
          netmask: '255.255.255.0',
          routes: [
            { network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.0.0.1' },
            { network: '192.168.0.0', netmask: '255.255.0.0', gateway: '10.0.0.254' },
          ],
          network_id: 'net-1',
          services: [{ type: 'dns', address: '10.0.0.2' }],
        },
      ],
      services: [{ type: 'dns', address: '10.0.0.2' }],
    })
  })

  it('network_data.json marks DHCP subnets ipv4_dhcp and leaves the MTU to a DHCP server', () => {
    const vif = { ...source().vifs[0]!, subnets: [subnet({ enableDhcp: true, dhcpServer: true })] }
    const data = networkData([vif]) as { links: { mtu: unknown }[]; networks: unknown[] }
    expect(data.links[0]?.mtu).toBeNull()
    expect(data.networks).toEqual([
      { id: 'network0', type: 'ipv4_dhcp', link: 'tap0123456789a', network_id: 'net-1' },
    ])
    const v6 = networkData([
      {
        ...vif,
        subnets: [
          subnet({
            ipVersion: 6,
            cidr: 'fd00::/64',
            gatewayIp: 'fd00::1',
            hostRoutes: [],
            ipv6AddressMode: 'slaac',
            ips: ['fd00::5'],
          }),
        ],
      },
    ]) as { networks: Record<string, unknown>[] }
    expect(v6.networks[0]).toMatchObject({ type: 'ipv6_slaac', netmask: 'ffff:ffff:ffff:ffff::' })
  })
})

describe('EC2 metadata', () => {
  it('has the EC2 keys of the 2009-04-04 version', () => {
    const tree = ec2MetaData(source(), 'latest', '10.9.9.9')
    expect(tree).toMatchObject({
      'ami-id': 'ami-00000001',
      'instance-id': 'i-0000002a',
      hostname: 'alpha.novalocal',
      'local-hostname': 'alpha.novalocal',
      'local-ipv4': '10.0.0.5',
      'public-ipv4': '172.24.4.10',
      'reservation-id': 'r-abc',
      'security-groups': ['default', 'web'],
      'instance-type': 'm1.tiny',
      placement: { 'availability-zone': 'nova' },
      'block-device-mapping': { ami: 'vda', root: '/dev/vda' },
    })
    expect(ec2MetaData(source({ vifs: [] }), '2009-04-04', '10.9.9.9')['local-ipv4']).toBe(
      '10.9.9.9',
    )
    expect(Object.keys(ec2MetaData(source(), '1.0', null))).not.toContain('public-ipv4')
  })

  it('prints folders as Nova does: sorted keys, sub-folders with a slash, named entries', () => {
    const keys = { '0': { _name: '0=k1', k: 'v' } }
    expect(ec2Print({ b: 'x', a: { c: 'y' }, keys })).toBe('a/\nb\nkeys/')
    expect(ec2Print(keys)).toBe('0=k1')
    expect(ec2Print(keys['0'])).toBe('k')
    const item = lookupMetadata(source(), '/latest/meta-data/public-keys/', opts)
    expect(item.kind === 'document' && item.body.toString()).toBe('0=k1')
  })

  it('answers EC2 paths with and without the ec2 prefix, 404 for unknown ones', () => {
    const get = (path: string) => {
      const item = lookupMetadata(source(), path, opts)
      return item.kind === 'document' ? item.body.toString() : item.kind
    }
    expect(get('/latest/meta-data/public-keys/0/openssh-key')).toBe('ssh-ed25519 AAAA k1')
    expect(get('/ec2/2009-04-04/meta-data/instance-id')).toBe('i-0000002a')
    expect(get('/latest/meta-data/placement/availability-zone')).toBe('nova')
    expect(get('/latest/user-data')).toBe('#!/bin/sh\necho hi\n')
    expect(get('/latest/meta-data/security-groups')).toBe('default\nweb')
    expect(get('/latest/meta-data/')).toContain('instance-id\n')
    expect(get('/latest/meta-data/nope')).toBe('missing')
    expect(get('/1999-01-01/meta-data/')).toBe('missing')
    expect(get('/latest/meta-data/hostname/extra')).toBe('missing')
    expect(get('/openstack/2099-01-01/meta_data.json')).toBe('missing')
    expect(get('/openstack/latest/nothing')).toBe('missing')
    expect(lookupMetadata(source({ userData: null }), '/openstack/latest/user_data', opts)).toEqual(
      { kind: 'missing' },
    )
    expect(lookupMetadata(source(), '/openstack/latest/password', opts)).toEqual({
      kind: 'password',
    })
  })
})

describe('config drive files', () => {
  it('holds every OpenStack version and latest, and EC2 2009-04-04 and latest', () => {
    const files = configDriveFiles(source(), { admin_pass: 'pw' })
    const paths = files.map((f) => f.path)
    expect(paths).toContain('openstack/latest/meta_data.json')
    expect(paths).toContain('openstack/latest/network_data.json')
    expect(paths).toContain('openstack/latest/vendor_data2.json')
    expect(paths).toContain('openstack/2012-08-10/user_data')
    expect(paths).not.toContain('openstack/2012-08-10/vendor_data.json')
    expect(paths).toContain('ec2/latest/meta-data.json')
    expect(paths).toContain('ec2/2009-04-04/user-data')
    const byPath = (p: string) => files.find((f) => f.path === p)?.data.toString() ?? ''
    expect(JSON.parse(byPath('openstack/latest/meta_data.json'))).toMatchObject({
      uuid: source().uuid,
      admin_pass: 'pw',
    })
    const ec2 = JSON.parse(byPath('ec2/latest/meta-data.json'))
    expect(ec2['public-keys']).toEqual({ '0': { 'openssh-key': 'ssh-ed25519 AAAA k1' } })
    expect(byPath('openstack/latest/user_data')).toBe('#!/bin/sh\necho hi\n')
  })
})
