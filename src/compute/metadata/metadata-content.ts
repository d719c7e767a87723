/** @module compute/metadata/metadata-content: what a server sees of itself, for the metadata API and the config drive */
import { randomBytes } from 'node:crypto'

/** EC2 metadata versions, oldest first (Nova's VERSIONS). */
export const EC2_VERSIONS = [
  '1.0',
  '2007-01-19',
  '2007-03-01',
  '2007-08-29',
  '2007-10-10',
  '2007-12-15',
  '2008-02-01',
  '2008-09-01',
  '2009-04-04',
] as const

/** OpenStack metadata versions, oldest first (Nova's OPENSTACK_VERSIONS). */
export const OPENSTACK_VERSIONS = [
  '2012-08-10',
  '2013-04-04',
  '2013-10-17',
  '2015-10-15',
  '2016-06-30',
  '2016-10-06',
  '2017-02-22',
  '2018-08-27',
  '2020-10-14',
] as const

const GRIZZLY = '2013-04-04'
const HAVANA = '2013-10-17'
const LIBERTY = '2015-10-15'
const NEWTON_ONE = '2016-06-30'
const NEWTON_TWO = '2016-10-06'
const VICTORIA = '2020-10-14'

/** One subnet of a server's port, as network_data.json needs it. */
export interface MetadataSubnet {
  ipVersion: 4 | 6
  cidr: string
  gatewayIp: string | null
  dnsNameservers: string[]
  hostRoutes: { destination: string; nexthop: string }[]
  enableDhcp: boolean
  /** Whether a DHCP port serves the subnet (the guest then learns its MTU from DHCP). */
  dhcpServer: boolean
  ipv6AddressMode: string | null
  /** The server's addresses on this subnet. */
  ips: string[]
}

/** One interface of a server. */
export interface MetadataVif {
  portId: string
  networkId: string
  macAddress: string
  mtu: number | null
  subnets: MetadataSubnet[]
}

/** Everything the metadata of one server is made of, gathered once per request or build. */
export interface MetadataSource {
  uuid: string
  name: string
  /** Host name with the DHCP domain, as the guest should call itself. */
  hostname: string
  projectId: string
  availabilityZone: string
  launchIndex: number
  reservationId: string
  meta: Record<string, string>
  keypair: { name: string; type: string; publicKey: string } | null
  /** The user data as the guest gets it (decoded), or null. */
  userData: Buffer | null
  flavorName: string
  /** `i-%08x` */
  ec2InstanceId: string
  /** `ami-%08x` of the image; empty for a server booted from a volume. */
  ec2AmiId: string
  securityGroups: string[]
  vifs: MetadataVif[]
  floatingIps: string[]
  /** EC2 block-device-mapping: `ami`, `root`, `ebs0`... */
  blockDeviceMapping: Record<string, string>
  /** The password the guest posted, or null. */
  password: string | null
}

/** An EC2 metadata tree: strings, string lists, and folders (a `_name` names a folder's entry). */
export type Ec2Node = string | number | string[] | { [key: string]: Ec2Node }

function atLeast(list: readonly string[], required: string, requested: string): boolean {
  return list.indexOf(requested) >= list.indexOf(required)
}

/** The `/openstack/<version>` listing of a server (Nova's version handler). */
export function openstackListing(source: MetadataSource, version: string): string[] {
  const has = (required: string) => atLeast(OPENSTACK_VERSIONS, required, version)
  const names = ['meta_data.json']
  if (source.userData !== null) names.push('user_data')
  if (has(GRIZZLY)) names.push('password')
  if (has(HAVANA)) names.push('vendor_data.json')
  if (has(LIBERTY)) names.push('network_data.json')
  if (has(NEWTON_TWO)) names.push('vendor_data2.json')
  return names
}

/** meta_data.json of a dated OpenStack version; `extra` adds config-drive-only keys (admin_pass). */
export function openstackMetaData(
  source: MetadataSource,
  version: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const has = (required: string) => atLeast(OPENSTACK_VERSIONS, required, version)
  const data: Record<string, unknown> = { uuid: source.uuid }
  if (Object.keys(source.meta).length > 0) data['meta'] = source.meta
  Object.assign(data, extra)
  if (source.keypair) {
    const { name, type, publicKey } = source.keypair
    data['public_keys'] = { [name]: publicKey }
    data['keys'] = [{ name, type, data: publicKey }]
  }
  data['hostname'] = source.hostname
  data['name'] = source.name
  data['launch_index'] = source.launchIndex
  data['availability_zone'] = source.availabilityZone
  if (has(GRIZZLY)) data['random_seed'] = randomBytes(512).toString('base64')
  if (has(LIBERTY)) data['project_id'] = source.projectId
  if (has(NEWTON_ONE)) data['devices'] = []
  if (has(VICTORIA)) data['dedicated_cpus'] = []
  return data
}

function netmaskOf(cidr: string, version: 4 | 6): string {
  const bits = Number(cidr.split('/')[1] ?? (version === 4 ? 32 : 128))
  if (version === 4) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
    return [24, 16, 8, 0].map((s) => (mask >>> s) & 0xff).join('.')
  }
  const groups: string[] = []
  for (let g = 0; g < 8; g++) {
    const on = Math.max(0, Math.min(16, bits - g * 16))
    groups.push((on === 0 ? 0 : (0xffff << (16 - on)) & 0xffff).toString(16))
  }
  return compressIpv6(groups)
}

function compressIpv6(groups: string[]): string {
  const text = groups.join(':')
  const runs = [...text.matchAll(/(^|:)0(:0)+(:|$)/g)]
  const longest = runs.sort((a, b) => b[0].length - a[0].length)[0]
  if (!longest) return text
  const start = longest.index ?? 0
  return `${text.slice(0, start)}::${text.slice(start + longest[0].length)}`
}

function networkAddressOf(cidr: string): string {
  return cidr.split('/')[0] ?? cidr
}

function dnsServices(subnet: MetadataSubnet): { type: 'dns'; address: string }[] {
  return subnet.dnsNameservers.map((address) => ({ type: 'dns', address }))
}

/** network_data.json (Nova's get_network_metadata): links, networks and DNS services. */
export function networkData(vifs: readonly MetadataVif[]): Record<string, unknown> {
  const links: Record<string, unknown>[] = []
  const networks: Record<string, unknown>[] = []
  const services: { type: 'dns'; address: string }[] = []
  for (const vif of vifs) {
    if (vif.subnets.length === 0) continue
    const linkId = `tap${vif.portId}`.slice(0, 14)
    links.push({
      id: linkId,
      vif_id: vif.portId,
      type: 'bridge',
      mtu: vif.subnets.some((s) => s.dhcpServer) ? null : vif.mtu,
      ethernet_mac_address: vif.macAddress,
    })
    for (const version of [4, 6] as const) {
      const subnet = vif.subnets.find((s) => s.ipVersion === version)
      if (!subnet || subnet.ips.length === 0) continue
      networks.push(networkEntry(vif, subnet, `network${networks.length}`, linkId))
      for (const dns of dnsServices(subnet)) {
        if (!services.some((s) => s.address === dns.address)) services.push(dns)
      }
    }
  }
  return { links, networks, services }
}

function networkEntry(
  vif: MetadataVif,
  subnet: MetadataSubnet,
  id: string,
  link: string,
): Record<string, unknown> {
  const version = subnet.ipVersion
  let suffix = ''
  if (subnet.ipv6AddressMode !== null) suffix = `_${subnet.ipv6AddressMode}`
  else if (subnet.dhcpServer || subnet.enableDhcp) {
    return { id, type: `ipv${version}_dhcp`, link, network_id: vif.networkId }
  }
  const any = version === 4 ? '0.0.0.0' : '::'
  const routes = subnet.gatewayIp ? [{ network: any, netmask: any, gateway: subnet.gatewayIp }] : []
  for (const route of subnet.hostRoutes) {
    routes.push({
      network: networkAddressOf(route.destination),
      netmask: netmaskOf(route.destination, version),
      gateway: route.nexthop,
    })
  }
  return {
    id,
    type: `ipv${version}${suffix}`,
    link,
    ip_address: subnet.ips[0],
    netmask: netmaskOf(subnet.cidr, version),
    routes,
    network_id: vif.networkId,
    services: dnsServices(subnet),
  }
}

/** vendor_data.json: Nova's StaticJSON provider without a file. */
export function vendorData(): Record<string, unknown> {
  return {}
}

/** vendor_data2.json: each provider's data under its name (StaticJSON as `static`). */
export function vendorData2(): Record<string, unknown> {
  return { static: vendorData() }
}

/** The EC2 meta-data tree of a version (Nova's get_ec2_metadata); `address` is the guest's IP. */
export function ec2MetaData(
  source: MetadataSource,
  version: string,
  address: string | null,
): Record<string, Ec2Node> {
  const at = version === 'latest' ? EC2_VERSIONS[EC2_VERSIONS.length - 1] : version
  const has = (required: string) => atLeast(EC2_VERSIONS, required, at ?? '')
  const fixed = source.vifs.flatMap((v) =>
    v.subnets.filter((s) => s.ipVersion === 4).flatMap((s) => s.ips),
  )
  const data: Record<string, Ec2Node> = {
    'ami-id': source.ec2AmiId,
    'ami-launch-index': source.launchIndex,
    'ami-manifest-path': 'FIXME',
    'instance-id': source.ec2InstanceId,
    hostname: source.hostname,
    'local-ipv4': fixed[0] ?? address ?? '',
    'reservation-id': source.reservationId,
    'security-groups': source.securityGroups,
  }
  if (source.keypair) {
    data['public-keys'] = {
      '0': { _name: `0=${source.keypair.name}`, 'openssh-key': source.keypair.publicKey },
    }
  }
  if (has('2007-01-19')) {
    data['local-hostname'] = source.hostname
    data['public-hostname'] = source.hostname
    data['public-ipv4'] = source.floatingIps[0] ?? ''
  }
  if (has('2007-08-29')) data['instance-type'] = source.flavorName
  if (has('2007-12-15')) data['block-device-mapping'] = source.blockDeviceMapping
  if (has('2008-02-01')) data['placement'] = { 'availability-zone': source.availabilityZone }
  if (has('2008-09-01')) data['instance-action'] = 'none'
  return data
}

/** A file of a config drive: its path under the drive's root and its bytes. */
export interface ConfigDriveFile {
  path: string
  data: Buffer
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value))

/**
 * The files of a server's config drive (Nova's metadata_for_config_drive): `ec2/<v>/meta-data.json`
 * for 2009-04-04 and latest, and for every OpenStack version and latest meta_data.json, user_data,
 * vendor_data.json, network_data.json and vendor_data2.json as the version has them.
 */
export function configDriveFiles(
  source: MetadataSource,
  extra: Record<string, unknown> = {},
): ConfigDriveFile[] {
  const files: ConfigDriveFile[] = []
  for (const version of ['2009-04-04', 'latest']) {
    if (source.userData !== null) {
      files.push({ path: `ec2/${version}/user-data`, data: source.userData })
    }
    const tree = ec2MetaData(source, version, null)
    const keys = tree['public-keys']
    if (keys && typeof keys === 'object' && !Array.isArray(keys)) {
      const first = keys['0'] as Record<string, Ec2Node>
      tree['public-keys'] = { '0': { 'openssh-key': first['openssh-key'] ?? '' } }
    }
    files.push({ path: `ec2/${version}/meta-data.json`, data: json(tree) })
  }
  for (const version of [...OPENSTACK_VERSIONS, 'latest']) {
    const at = version === 'latest' ? OPENSTACK_VERSIONS[OPENSTACK_VERSIONS.length - 1] : version
    const dir = `openstack/${version}`
    const listing = openstackListing(source, at ?? version)
    files.push({
      path: `${dir}/meta_data.json`,
      data: json(openstackMetaData(source, at ?? version, extra)),
    })
    if (source.userData !== null) files.push({ path: `${dir}/user_data`, data: source.userData })
    if (listing.includes('vendor_data.json')) {
      files.push({ path: `${dir}/vendor_data.json`, data: json(vendorData()) })
    }
    if (listing.includes('network_data.json')) {
      files.push({ path: `${dir}/network_data.json`, data: json(networkData(source.vifs)) })
    }
    if (listing.includes('vendor_data2.json')) {
      files.push({ path: `${dir}/vendor_data2.json`, data: json(vendorData2()) })
    }
  }
  return files
}
