/** @module block-storage/api/admin-routes: zones, pools, capabilities, extensions, messages */
import { NotFoundError } from '../../core/errors/index.js'
import type { Route } from '../../core/http/index.js'
import { availabilityZones, listPools } from '../service/backends.js'
import type { BlockStorageContext } from '../service/context.js'
import { getMessage, messagesOf, removeMessage } from '../service/messages.js'
import { boolValue, callerOf, microTime, projectParams, queryOne } from './route-kit.js'

const P = '/v3/:project_id'
const params = {
  type: 'object',
  properties: {
    ...projectParams.properties,
    target: { type: 'string', maxLength: 255 },
    host: { type: 'string', maxLength: 255 },
    action: { type: 'string', maxLength: 64 },
  },
}

/** The catalogue of API extensions `GET /extensions` lists (what this service implements). */
const EXTENSIONS: [string, string, string][] = [
  ['os-availability-zone', 'AvailabilityZones', 'Describe Availability Zones.'],
  ['os-hosts', 'Hosts', 'Admin-only host administration.'],
  [
    'os-extended-snapshot-attributes',
    'ExtendedSnapshotAttributes',
    'Extended attributes for snapshots.',
  ],
  ['os-quota-sets', 'Quotas', 'Quota management support.'],
  ['os-services', 'Services', 'Services support.'],
  ['os-types-manage', 'TypesManage', 'Types manage support.'],
  ['os-types-extra-specs', 'TypesExtraSpecs', 'Type extra specs support.'],
  ['os-volume-type-access', 'VolumeTypeAccess', 'Volume type access support.'],
  [
    'os-vol-tenant-attr',
    'VolumeTenantAttribute',
    'Expose the internal project_id as an attribute of a volume.',
  ],
  ['os-vol-host-attr', 'VolumeHostAttribute', 'Expose host as an attribute of a volume.'],
  [
    'os-vol-mig-status-attr',
    'VolumeMigStatusAttribute',
    'Expose migration_status as an attribute of a volume.',
  ],
  ['os-vol-image-meta', 'VolumeImageMetadata', 'Show image metadata associated with the volume.'],
  ['os-volume-actions', 'VolumeActions', 'Enable volume actions.'],
  ['os-admin-actions', 'AdminActions', 'Enable admin actions.'],
  ['scheduler-stats', 'Scheduler_stats', 'Scheduler stats support.'],
  ['capabilities', 'Capabilities', 'Capabilities support.'],
  ['os-used-limits', 'UsedLimits', 'Provide data on limited resources that are being used.'],
]

export function adminRoutes(ctx: BlockStorageContext): Route[] {
  return [
    {
      method: 'GET',
      path: `${P}/os-availability-zone`,
      policy: 'volume_extension:availability_zone_list',
      schema: { params },
      errors: [],
      handler: async (input) => {
        input.authorize()
        const zones = await availabilityZones(ctx)
        return {
          status: 200,
          body: {
            availabilityZoneInfo: zones.map((z) => ({
              zoneName: z.name,
              zoneState: { available: z.available },
            })),
          },
        }
      },
    },
    {
      method: 'GET',
      path: `${P}/scheduler-stats/get_pools`,
      policy: 'scheduler_extension:scheduler_stats:get_pools',
      schema: { params },
      errors: [400],
      handler: async (input) => {
        input.authorize()
        const detail = boolValue(queryOne(input, 'detail') ?? 'false', 'detail')
        const pools = await listPools(ctx)
        return {
          status: 200,
          body: {
            pools: pools.map((p) =>
              detail
                ? {
                    name: p.name,
                    capabilities: {
                      pool_name: p.report.backend,
                      volume_backend_name: p.report.backend,
                      vendor_name: p.report.capabilities.vendorName,
                      driver_version: p.report.capabilities.driverVersion,
                      storage_protocol: p.report.capabilities.storageProtocol,
                      total_capacity_gb: p.report.stats.totalGb,
                      free_capacity_gb: p.report.stats.freeGb,
                      provisioned_capacity_gb: p.report.stats.provisionedGb,
                      allocated_capacity_gb: p.report.stats.provisionedGb,
                      reserved_percentage: 0,
                      thin_provisioning_support: p.report.capabilities.thinProvisioning,
                      thick_provisioning_support: !p.report.capabilities.thinProvisioning,
                      max_over_subscription_ratio: '1.0',
                      QoS_support: false,
                      multiattach: false,
                      timestamp: null,
                      updated: null,
                    },
                  }
                : { name: p.name },
            ),
          },
        }
      },
    },
    {
      method: 'GET',
      path: `${P}/capabilities/:host`,
      policy: 'volume_extension:capabilities',
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const host = input.params['host'] ?? ''
        const pool = (await listPools(ctx)).find((p) => p.serviceHost === host || p.name === host)
        if (!pool) throw new NotFoundError(`Service ${host} could not be found.`)
        const c = pool.report.capabilities
        return {
          status: 200,
          body: {
            namespace: `OS::Storage::Capabilities::${host}`,
            vendor_name: c.vendorName,
            volume_backend_name: pool.report.backend,
            pool_name: null,
            driver_version: c.driverVersion,
            storage_protocol: c.storageProtocol,
            display_name: null,
            description: null,
            visibility: null,
            replication_targets: [],
            properties: {
              thin_provisioning: {
                title: 'Thin Provisioning',
                description: 'Sets thin provisioning.',
                type: 'boolean',
              },
            },
          },
        }
      },
    },
    {
      method: 'GET',
      path: `${P}/extensions`,
      policy: 'volume:extensions',
      schema: { params },
      errors: [],
      handler: async (input) => {
        input.authorize()
        return {
          status: 200,
          body: {
            extensions: EXTENSIONS.map(([alias, name, description]) => ({
              alias,
              name,
              description,
              updated: '2013-01-01T00:00:00+00:00',
              links: [],
            })),
          },
        }
      },
    },
    {
      method: 'GET',
      path: `${P}/messages`,
      policy: 'message:get_all',
      microversion: { min: '3.3' },
      schema: { params },
      errors: [],
      handler: async (input) => {
        input.authorize()
        const all = await messagesOf(ctx, callerOf(input))
        return { status: 200, body: { messages: all.map(messageView) } }
      },
    },
    {
      method: 'GET',
      path: `${P}/messages/:id`,
      policy: 'message:get',
      microversion: { min: '3.3' },
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const m = await getMessage(ctx, callerOf(input), input.params['id'] ?? '')
        return { status: 200, body: { message: messageView(m) } }
      },
    },
    {
      method: 'DELETE',
      path: `${P}/messages/:id`,
      policy: 'message:delete',
      microversion: { min: '3.3' },
      schema: { params },
      errors: [404],
      handler: async (input) => {
        input.authorize()
        await removeMessage(ctx, callerOf(input), input.params['id'] ?? '')
        return { status: 204 }
      },
    },
  ]
}

function messageView(m: {
  id: string
  request_id: string
  resource_type: string
  resource_uuid: string | null
  event_id: string
  message_level: string
  user_message: string
  created_at: string
  expires_at: string
}) {
  return {
    id: m.id,
    request_id: m.request_id,
    resource_type: m.resource_type,
    resource_uuid: m.resource_uuid,
    event_id: m.event_id,
    message_level: m.message_level,
    user_message: m.user_message,
    created_at: microTime(m.created_at),
    guaranteed_until: microTime(m.expires_at),
    links: [],
  }
}
