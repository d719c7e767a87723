/** @module compute/api/extensions-routes: GET /extensions, the legacy v2 extensions this cloud offers */
import { NotFoundError } from '../../core/errors/index.js'
import type { Route } from '../../core/http/index.js'
import { rule } from './policy.js'

/** Nova's names and aliases of the v2 extensions whose APIs are implemented here. */
const EXTENSIONS: readonly (readonly [name: string, alias: string, description: string])[] = [
  ['AccessIPs', 'os-access-ips', 'Access IPs support.'],
  ['AdminActions', 'os-admin-actions', 'Enable admin-only server actions.'],
  ['Aggregates', 'os-aggregates', 'Admin-only aggregate administration.'],
  ['AttachInterfaces', 'os-attach-interfaces', 'Attach interface support.'],
  [
    'AvailabilityZone',
    'os-availability-zone',
    '1. Add availability_zone to the Create Server API.',
  ],
  [
    'BlockDeviceMappingV2Boot',
    'os-block-device-mapping-v2-boot',
    'Allow boot with the new BDM data format.',
  ],
  ['ConfigDrive', 'os-config-drive', 'Config Drive Extension.'],
  ['ConsoleOutput', 'os-console-output', 'Console log output support.'],
  ['CreateBackup', 'os-create-backup', 'Create a backup of a server.'],
  ['DiskConfig', 'OS-DCF', 'Disk Management Extension.'],
  ['Evacuate', 'os-evacuate', 'Enables server evacuation.'],
  ['ExtendedAvailabilityZone', 'OS-EXT-AZ', 'Extended Availability Zone support.'],
  ['ExtendedServerAttributes', 'OS-EXT-SRV-ATTR', 'Extended Server Attributes support.'],
  ['ExtendedStatus', 'OS-EXT-STS', 'Extended Status support.'],
  ['ExtendedVolumes', 'os-extended-volumes', 'Extended Volumes support.'],
  ['FlavorAccess', 'os-flavor-access', 'Flavor access support.'],
  ['FlavorExtraSpecs', 'os-flavor-extra-specs', 'Flavors extra specs support.'],
  ['FlavorManage', 'os-flavor-manage', 'Flavor create/delete API support.'],
  ['FloatingIps', 'os-floating-ips', 'Floating IPs support.'],
  ['Hosts', 'os-hosts', 'Admin-only host administration.'],
  ['Hypervisors', 'os-hypervisors', 'Admin-only hypervisor administration.'],
  ['ImageSize', 'OS-EXT-IMG-SIZE', 'Adds image size to image listings.'],
  [
    'InstanceActions',
    'os-instance-actions',
    'View a log of actions and events taken on an instance.',
  ],
  ['Keypairs', 'os-keypairs', 'Keypair Support.'],
  ['LockServer', 'os-lock-server', 'Enable lock/unlock server actions.'],
  ['MigrateServer', 'os-migrate-server', 'Enable migrate and live-migrate server actions.'],
  ['Migrations', 'os-migrations', 'Provide data on migrations.'],
  ['PauseServer', 'os-pause-server', 'Enable pause/unpause server actions.'],
  ['QuotaClasses', 'os-quota-class-sets', 'Quota classes management support.'],
  ['Quotas', 'os-quota-sets', 'Quotas management support.'],
  ['SecurityGroups', 'os-security-groups', 'Security group support.'],
  ['ServerExternalEvents', 'os-server-external-events', 'Server External Event Triggers.'],
  ['ServerGroups', 'os-server-groups', 'Server group support.'],
  ['ServerPassword', 'os-server-password', 'Server password support.'],
  ['ServerUsage', 'OS-SRV-USG', 'Adds launched_at and terminated_at on Servers.'],
  ['Services', 'os-services', 'Services support.'],
  ['Shelve', 'os-shelve', 'Instance shelve mode.'],
  ['SimpleTenantUsage', 'os-simple-tenant-usage', 'Simple tenant usage extension.'],
  ['SuspendServer', 'os-suspend-server', 'Enable suspend/resume server actions.'],
  ['UsedLimits', 'os-used-limits', 'Provide data on limited resources that are being used.'],
  ['Volumes', 'os-volumes', 'Volumes support.'],
]

function view([name, alias, description]: (typeof EXTENSIONS)[number]) {
  return {
    name,
    alias,
    description,
    links: [],
    namespace: 'http://docs.openstack.org/compute/ext/fake_xml',
    updated: '2014-12-03T00:00:00Z',
  }
}

export function extensionRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/v2.1/extensions',
      policy: rule('extensions'),
      errors: [],
      handler: async (input) => {
        input.authorize()
        return { status: 200, body: { extensions: EXTENSIONS.map(view) } }
      },
    },
    {
      method: 'GET',
      path: '/v2.1/extensions/:alias',
      policy: rule('extensions'),
      errors: [404],
      handler: async (input) => {
        input.authorize()
        const alias = input.params['alias'] ?? ''
        const found = EXTENSIONS.find((e) => e[1] === alias)
        if (!found) throw new NotFoundError(`Extension ${alias} could not be found.`)
        return { status: 200, body: { extension: view(found) } }
      },
    },
  ]
}
