/** @module compute/api/server-view: a server as the Compute API shows it, per microversion */
import { createHash } from 'node:crypto'
import type { RouteInput } from '../../core/http/index.js'
import { serverStatus, type Instance } from '../model/instance.js'
import type { ServerDetail } from '../service/server-list.js'
import { atLeast, baseUrl } from './route-kit.js'

const PROGRESS_STATUSES = new Set([
  'ACTIVE',
  'BUILD',
  'REBUILD',
  'RESIZE',
  'VERIFY_RESIZE',
  'MIGRATING',
])

function links(base: string, kind: string, id: string) {
  return [
    { rel: 'self', href: `${base}/v2.1/${kind}/${id}` },
    { rel: 'bookmark', href: `${base}/${kind}/${id}` },
  ]
}

function hostId(instance: Instance): string {
  if (!instance.host) return ''
  return createHash('sha224').update(`${instance.projectId}${instance.host}`).digest('hex')
}

/** The `addresses` of a server: fixed and floating addresses by network name. */
export function addressesOf(detail: Pick<ServerDetail, 'instance' | 'floatingIps'>) {
  const out: Record<string, unknown[]> = {}
  for (const vif of detail.instance.networkInfo) {
    const list = (out[vif.networkName] ??= [])
    for (const ip of vif.ips) {
      list.push({
        version: ip.version,
        addr: ip.address,
        'OS-EXT-IPS:type': 'fixed',
        'OS-EXT-IPS-MAC:mac_addr': vif.macAddress,
      })
      const floating = detail.floatingIps[`${vif.portId}/${ip.address}`]
      if (floating) {
        list.push({
          version: 4,
          addr: floating,
          'OS-EXT-IPS:type': 'floating',
          'OS-EXT-IPS-MAC:mac_addr': vif.macAddress,
        })
      }
    }
  }
  return out
}

function flavorView(input: RouteInput, base: string, i: Instance) {
  const f = i.flavor
  if (atLeast(input, '2.47')) {
    return {
      vcpus: f.vcpus,
      ram: f.memoryMb,
      disk: f.rootGb,
      ephemeral: f.ephemeralGb,
      swap: f.swap,
      original_name: f.name,
      extra_specs: f.extraSpecs,
    }
  }
  return { id: f.flavorid, links: [{ rel: 'bookmark', href: `${base}/flavors/${f.flavorid}` }] }
}

/** Nova's view after update and rebuild: the core attributes, no extension attributes. */
const CORE_KEYS = new Set([
  'id',
  'name',
  'status',
  'tenant_id',
  'user_id',
  'metadata',
  'hostId',
  'image',
  'flavor',
  'created',
  'updated',
  'addresses',
  'accessIPv4',
  'accessIPv6',
  'links',
  'OS-DCF:diskConfig',
  'progress',
  'locked',
  'description',
  'tags',
  'trusted_image_certificates',
  'locked_reason',
  'fault',
])

/**
 * The server as update and rebuild answer. Only rebuild carries `user_data` (2.57); from 2.75
 * both answer with the whole server as show does, rebuild with `user_data` in place of
 * `OS-EXT-SRV-ATTR:user_data`.
 */
export function coreServerView(
  input: RouteInput,
  detail: ServerDetail,
  options: { isAdmin: boolean; rebuild: boolean },
) {
  const full = serverView(input, detail, options.isAdmin)
  const userData = options.rebuild && atLeast(input, '2.57')
  if (atLeast(input, '2.75')) {
    if (!userData) return full
    const { 'OS-EXT-SRV-ATTR:user_data': _hidden, ...rest } = full
    return { ...rest, user_data: detail.instance.userData }
  }
  const keys = new Set([...CORE_KEYS, ...(atLeast(input, '2.54') ? ['key_name'] : [])])
  const core = Object.fromEntries(Object.entries(full).filter(([k]) => keys.has(k)))
  if (userData) core['user_data'] = detail.instance.userData
  // Without the extended attributes, addresses carry only version and address.
  core['addresses'] = Object.fromEntries(
    Object.entries(addressesOf(detail)).map(([net, list]) => [
      net,
      (list as { version: number; addr: string }[]).map((a) => ({
        version: a.version,
        addr: a.addr,
      })),
    ]),
  )
  return core
}

/** The full server view of show and detail. */
export function serverView(input: RouteInput, detail: ServerDetail, isAdmin: boolean) {
  const base = baseUrl(input)
  const i = detail.instance
  const status = serverStatus(i.vmState, i.taskState)
  const view: Record<string, unknown> = {
    id: i.uuid,
    name: i.name,
    status,
    tenant_id: i.projectId,
    user_id: i.userId,
    metadata: detail.metadata,
    hostId: hostId(i),
    image: i.imageRef
      ? { id: i.imageRef, links: [{ rel: 'bookmark', href: `${base}/images/${i.imageRef}` }] }
      : '',
    flavor: flavorView(input, base, i),
    created: i.createdAt,
    updated: i.updatedAt,
    addresses: addressesOf(detail),
    accessIPv4: i.accessIpv4 ?? '',
    accessIPv6: i.accessIpv6 ?? '',
    links: links(base, 'servers', i.uuid),
    'OS-DCF:diskConfig': i.requestSpec.diskConfig ?? 'MANUAL',
    'OS-EXT-AZ:availability_zone': i.host ? (i.availabilityZone ?? 'nova') : '',
    config_drive: i.configDrive,
    key_name: i.keyName,
    'OS-SRV-USG:launched_at': i.launchedAt ? i.launchedAt.replace('Z', '.000000') : null,
    'OS-SRV-USG:terminated_at': i.terminatedAt ? i.terminatedAt.replace('Z', '.000000') : null,
    'OS-EXT-STS:task_state': i.taskState,
    'OS-EXT-STS:vm_state': i.vmState,
    'OS-EXT-STS:power_state': i.powerState,
    'os-extended-volumes:volumes_attached': detail.volumes.map((v) =>
      atLeast(input, '2.3')
        ? { id: v.id, delete_on_termination: v.deleteOnTermination }
        : { id: v.id },
    ),
  }
  if (i.vmState !== 'deleted' || i.requestSpec.securityGroups.length > 0) {
    const requested =
      i.requestSpec.securityGroups.length > 0 ? i.requestSpec.securityGroups : ['default']
    const groups = i.requestSpec.appliedSecurityGroups ?? requested
    // as Nova: a server whose ports have no group (or that has no port) shows no key at all
    if (i.networkInfo.length > 0 && groups.length > 0) {
      view['security_groups'] = groups.map((name) => ({ name }))
    }
  }
  if (PROGRESS_STATUSES.has(status)) view['progress'] = i.progress
  if (isAdmin) {
    view['OS-EXT-SRV-ATTR:host'] = i.host
    view['OS-EXT-SRV-ATTR:hypervisor_hostname'] = i.node
    view['OS-EXT-SRV-ATTR:instance_name'] = `instance-${i.uuid.slice(0, 8)}`
    if (atLeast(input, '2.3')) {
      view['OS-EXT-SRV-ATTR:reservation_id'] = i.reservationId
      view['OS-EXT-SRV-ATTR:launch_index'] = i.launchIndex
      view['OS-EXT-SRV-ATTR:hostname'] = i.hostname
      view['OS-EXT-SRV-ATTR:kernel_id'] = ''
      view['OS-EXT-SRV-ATTR:ramdisk_id'] = ''
      view['OS-EXT-SRV-ATTR:root_device_name'] = '/dev/vda'
      view['OS-EXT-SRV-ATTR:user_data'] = i.userData
    }
  }
  if (atLeast(input, '2.9')) view['locked'] = i.lockedBy !== null
  if (atLeast(input, '2.16') && isAdmin) view['host_status'] = i.host ? 'UP' : ''
  if (atLeast(input, '2.19')) view['description'] = i.description
  if (atLeast(input, '2.26')) view['tags'] = detail.tags
  if (atLeast(input, '2.63')) view['trusted_image_certificates'] = null
  if (atLeast(input, '2.71')) {
    view['server_groups'] = i.requestSpec.groupId ? [i.requestSpec.groupId] : []
  }
  if (atLeast(input, '2.73')) view['locked_reason'] = i.lockedReason
  if (detail.fault && (status === 'ERROR' || status === 'DELETED')) {
    view['fault'] = {
      code: detail.fault.code,
      created: detail.fault.createdAt,
      message: detail.fault.message,
      ...(isAdmin || detail.fault.code !== 500 ? { details: detail.fault.details } : {}),
    }
  }
  return view
}

/** The short view of `GET /servers`. */
export function serverBrief(input: RouteInput, i: Instance) {
  return { id: i.uuid, name: i.name, links: links(baseUrl(input), 'servers', i.uuid) }
}

/** `servers_links` when a page was cut. */
export function nextLinks(
  input: RouteInput,
  path: string,
  last: string | undefined,
  more: boolean,
) {
  if (!more || last === undefined) return {}
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(input.query)) {
    if (k === 'marker') continue
    for (const one of Array.isArray(v) ? v : [v]) params.append(k, String(one))
  }
  params.set('marker', last)
  return { servers_links: [{ rel: 'next', href: `${baseUrl(input)}/v2.1/${path}?${params}` }] }
}

export { links }
