/** @module compute/metadata/metadata-paths: a metadata request path to what it names (Nova's lookup) */
import {
  EC2_VERSIONS,
  ec2MetaData,
  networkData,
  openstackListing,
  openstackMetaData,
  OPENSTACK_VERSIONS,
  vendorData,
  vendorData2,
  type Ec2Node,
  type MetadataSource,
} from './metadata-content.js'

/** What a path names: a document, the password (read or set), or nothing (404). */
export type MetadataItem =
  | { kind: 'document'; body: Buffer; contentType: 'text/plain' | 'application/json' }
  | { kind: 'password' }
  | { kind: 'missing' }

const MISSING: MetadataItem = { kind: 'missing' }

function text(value: string): MetadataItem {
  return { kind: 'document', body: Buffer.from(value), contentType: 'text/plain' }
}

function jsonDocument(value: unknown): MetadataItem {
  return {
    kind: 'document',
    body: Buffer.from(JSON.stringify(value)),
    contentType: 'application/json',
  }
}

/** The path's segments after normalizing `.`, `..` and repeated or trailing slashes. */
export function pathTokens(path: string): string[] {
  const out: string[] = []
  for (const part of path.split('?')[0]?.split('/') ?? []) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  return out
}

/** The root listing (`/`): the EC2 versions and latest, one a line. */
export function rootListing(): string {
  return [...EC2_VERSIONS, 'latest'].join('\n')
}

/** The `/openstack` listing: versions up to today, then latest. */
export function openstackVersions(today: string): string {
  return [...OPENSTACK_VERSIONS.filter((v) => v <= today), 'latest'].join('\n')
}

/** Renders an EC2 tree node as Nova's ec2_md_print does. */
export function ec2Print(node: Ec2Node): string {
  if (typeof node === 'string') return node
  if (typeof node === 'number') return String(node)
  if (Array.isArray(node)) return node.join('\n')
  return Object.keys(node)
    .filter((k) => k !== '_name')
    .sort()
    .map((key) => {
      const value = node[key] as Ec2Node
      if (typeof value === 'object' && !Array.isArray(value)) {
        return typeof value['_name'] === 'string' ? value['_name'] : `${key}/`
      }
      return key
    })
    .join('\n')
}

function ec2Item(
  source: MetadataSource,
  tokens: readonly string[],
  address: string | null,
): MetadataItem {
  const [version, ...rest] = tokens
  if (version === undefined) return text(rootListing())
  if (version !== 'latest' && !(EC2_VERSIONS as readonly string[]).includes(version)) return MISSING
  const tree: Record<string, Ec2Node> = { 'meta-data': ec2MetaData(source, version, address) }
  if (source.userData !== null) tree['user-data'] = source.userData.toString('latin1')
  let node: Ec2Node = tree
  for (const token of rest) {
    if (typeof node !== 'object' || Array.isArray(node) || !(token in node)) return MISSING
    node = node[token] as Ec2Node
  }
  if (rest.length === 1 && rest[0] === 'user-data' && source.userData !== null) {
    return { kind: 'document', body: source.userData, contentType: 'text/plain' }
  }
  return text(ec2Print(node))
}

function openstackItem(source: MetadataSource, tokens: readonly string[]): MetadataItem {
  const [requested, ...rest] = tokens
  const version =
    requested === 'latest' ? OPENSTACK_VERSIONS[OPENSTACK_VERSIONS.length - 1] : requested
  if (version === undefined || !(OPENSTACK_VERSIONS as readonly string[]).includes(version)) {
    return MISSING
  }
  const listing = openstackListing(source, version)
  if (rest.length === 0) return text(listing.join('\n'))
  const name = rest.join('/')
  if (!listing.includes(name)) return MISSING
  switch (name) {
    case 'meta_data.json':
      return jsonDocument(openstackMetaData(source, version))
    case 'user_data':
      return {
        kind: 'document',
        body: source.userData ?? Buffer.alloc(0),
        contentType: 'text/plain',
      }
    case 'password':
      return { kind: 'password' }
    case 'vendor_data.json':
      return jsonDocument(vendorData())
    case 'network_data.json':
      return jsonDocument(networkData(source.vifs))
    case 'vendor_data2.json':
      return jsonDocument(vendorData2())
    default:
      return MISSING
  }
}

/**
 * What a server's request for `path` names. Paths that start neither with `/openstack` nor `/ec2`
 * are EC2 paths (`/latest/meta-data/hostname`). `address` is the guest's IP (X-Forwarded-For).
 */
export function lookupMetadata(
  source: MetadataSource,
  path: string,
  options: { address: string | null; today: string },
): MetadataItem {
  const tokens = pathTokens(path)
  if (tokens[0] === 'openstack') {
    return tokens.length === 1
      ? text(openstackVersions(options.today))
      : openstackItem(source, tokens.slice(1))
  }
  return ec2Item(source, tokens[0] === 'ec2' ? tokens.slice(1) : tokens, options.address)
}
