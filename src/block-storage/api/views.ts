/** @module block-storage/api/views: volumes, snapshots, types and attachments on the wire */
import type { RouteInput } from '../../core/http/index.js'
import type { QosSpecs } from '../service/qos-specs.js'
import type { Attachment, Snapshot, Volume, VolumeType } from '../service/records.js'
import type { Transfer } from '../service/transfers.js'
import { atLeast, baseUrl, microTime } from './route-kit.js'

function links(input: RouteInput, project: string, kind: string, id: string) {
  const base = baseUrl(input)
  return [
    { href: `${base}/v3/${project}/${kind}/${id}`, rel: 'self' },
    { href: `${base}/${project}/${kind}/${id}`, rel: 'bookmark' },
  ]
}

/** `{rel: next}` when the page was cut by the limit. */
export function nextLinks(
  input: RouteInput,
  kind: string,
  last: { id: string } | undefined,
  more: boolean,
): { volumes_links?: unknown } | Record<string, unknown> {
  if (!more || !last) return {}
  const project = input.params['project_id'] ?? ''
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(input.query)) {
    if (k === 'marker') continue
    for (const one of Array.isArray(v) ? v : [v]) params.append(k, String(one))
  }
  params.set('marker', last.id)
  const path = kind.endsWith('/detail') ? kind : kind
  return {
    [`${kind.split('/')[0]}_links`]: [
      { href: `${baseUrl(input)}/v3/${project}/${path}?${params.toString()}`, rel: 'next' },
    ],
  }
}

/** The attachments of a volume as its view lists them (attached ones only). */
export function volumeAttachmentsView(attachments: Attachment[]) {
  return attachments
    .filter((a) => a.attachStatus === 'attached')
    .map((a) => ({
      id: a.volumeId,
      attachment_id: a.id,
      volume_id: a.volumeId,
      server_id: a.instanceUuid,
      host_name: a.attachedHost,
      device: a.mountpoint,
      attached_at: microTime(a.attachTime),
    }))
}

/** Cinder shows the admin metadata keys `readonly` and `attached_mode` among the metadata. */
function visibleMetadata(v: Volume): Record<string, string> {
  const shown: Record<string, string> = {}
  for (const key of ['readonly', 'attached_mode']) {
    const value = v.adminMetadata[key]
    if (value !== undefined) shown[key] = value
  }
  return { ...v.metadata, ...shown }
}

/** The view `POST` and `PUT /volumes` answer with. */
export function volumeView(
  input: RouteInput,
  v: Volume,
  extra: { typeName: string | null; encrypted: boolean; attachments: Attachment[] },
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: v.id,
    name: v.name,
    description: v.description,
    size: v.size,
    status: v.status,
    availability_zone: v.availabilityZone,
    created_at: microTime(v.createdAt),
    updated_at: microTime(v.updatedAt),
    attachments: volumeAttachmentsView(extra.attachments),
    links: links(input, v.projectId, 'volumes', v.id),
    encrypted: extra.encrypted,
    replication_status: null,
    snapshot_id: v.snapshotId,
    source_volid: v.sourceVolid,
    user_id: v.userId,
    metadata: visibleMetadata(v),
    volume_type: extra.typeName,
    bootable: v.bootable ? 'true' : 'false',
    multiattach: v.multiattach,
    consistencygroup_id: null,
    migration_status: null,
  }
  if (atLeast(input, '3.13')) view['group_id'] = v.groupId
  if (atLeast(input, '3.48')) {
    view['shared_targets'] = false
    view['service_uuid'] = null
  }
  return view
}

/** The view of `GET /volumes/{id}` and `/volumes/detail`, with the extension attributes. */
export function volumeDetailView(
  input: RouteInput,
  v: Volume,
  extra: {
    typeName: string | null
    encrypted: boolean
    attachments: Attachment[]
    isAdmin: boolean
  },
): Record<string, unknown> {
  const view = volumeView(input, v, extra)
  view['os-vol-tenant-attr:tenant_id'] = v.projectId
  if (v.imageMetadata) view['volume_image_metadata'] = v.imageMetadata
  if (extra.isAdmin) {
    view['os-vol-host-attr:host'] = v.host
    view['os-vol-mig-status-attr:migstat'] = null
    view['os-vol-mig-status-attr:name_id'] = null
    if (atLeast(input, '3.21')) view['provider_id'] = null
  }
  return view
}

export function volumeSummaryView(input: RouteInput, v: Volume) {
  return { id: v.id, name: v.name, links: links(input, v.projectId, 'volumes', v.id) }
}

export function snapshotView(input: RouteInput, s: Snapshot, detail: boolean) {
  const view: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    description: s.description,
    volume_id: s.volumeId,
    size: s.size,
    status: s.status,
    created_at: microTime(s.createdAt),
    updated_at: microTime(s.updatedAt),
    metadata: s.metadata,
  }
  if (atLeast(input, '3.14')) view['group_snapshot_id'] = s.groupSnapshotId
  if (atLeast(input, '3.41')) view['user_id'] = s.userId
  if (detail) {
    view['os-extended-snapshot-attributes:progress'] = s.progress
    view['os-extended-snapshot-attributes:project_id'] = s.projectId
  }
  return view
}

/**
 * A volume type; create answers carry no `qos_specs_id` and update answers neither that nor
 * `os-volume-type-access:is_public`, as Cinder's.
 */
export function typeView(
  t: VolumeType,
  isAdmin: boolean,
  written: 'created' | 'updated' | false = false,
) {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    is_public: t.isPublic,
    ...(written === 'updated' ? {} : { 'os-volume-type-access:is_public': t.isPublic }),
    ...(written ? {} : { qos_specs_id: t.qosSpecsId }),
    ...(isAdmin || Object.keys(t.extraSpecs).length > 0 ? { extra_specs: t.extraSpecs } : {}),
  }
}

export function attachmentView(a: Attachment, detail: boolean) {
  const view: Record<string, unknown> = {
    id: a.id,
    status: a.attachStatus,
    instance: a.instanceUuid,
    volume_id: a.volumeId,
  }
  if (detail) {
    view['attached_at'] = microTime(a.attachTime)
    view['detached_at'] = microTime(a.detachTime)
    view['attach_mode'] = a.attachMode
    view['connection_info'] = a.connectionInfo
  }
  return view
}

/** A pending transfer; `detail` adds when it was made and, by microversion, its history. */
export function transferView(
  input: RouteInput,
  t: Transfer,
  form: 'summary' | 'detail' | 'created',
  authKey?: string,
): Record<string, unknown> {
  const project = input.params['project_id'] ?? t.projectId
  const view: Record<string, unknown> = {
    id: t.id,
    name: t.name,
    volume_id: t.volumeId,
    links: links(input, project, 'os-volume-transfer', t.id),
  }
  if (form === 'summary') return view
  view['created_at'] = microTime(t.createdAt)
  if (form === 'created') view['auth_key'] = authKey
  if (atLeast(input, '3.55')) view['no_snapshots'] = t.noSnapshots
  if (atLeast(input, '3.57')) {
    view['destination_project_id'] = null
    view['source_project_id'] = t.projectId
    view['accepted'] = false
  }
  return view
}

export function qosSpecsView(q: QosSpecs) {
  return { id: q.id, name: q.name, consumer: q.consumer, specs: q.specs }
}

export function qosLinks(input: RouteInput, id: string) {
  return links(input, input.params['project_id'] ?? '', 'qos-specs', id)
}
