/** @module compute/api/policy: Nova's default policy rules (legacy admin-or-owner defaults) */

const OWNER = 'rule:admin_or_owner'
const ADMIN = 'rule:admin_api'
const ANY = ''

const RULES: Record<string, string> = {
  context_is_admin: 'role:admin',
  admin_api: 'role:admin',
  owner: 'project_id:%(project_id)s',
  admin_or_owner: 'rule:context_is_admin or rule:owner',
}

const OWNER_RULES = [
  'servers:index',
  'servers:detail',
  'servers:show',
  'servers:create',
  'servers:update',
  'servers:delete',
  'servers:reboot',
  'servers:resize',
  'servers:confirm_resize',
  'servers:revert_resize',
  'servers:rebuild',
  'servers:create_image',
  'servers:start',
  'servers:stop',
  'os-pause-server:pause',
  'os-pause-server:unpause',
  'os-suspend-server:suspend',
  'os-suspend-server:resume',
  'os-lock-server:lock',
  'os-lock-server:unlock',
  'os-console-output',
  'os-instance-actions:list',
  'os-instance-actions:show',
  'server-metadata:index',
  'server-metadata:show',
  'server-metadata:create',
  'server-metadata:update',
  'server-metadata:update_all',
  'server-metadata:delete',
  'os-server-tags:index',
  'os-server-tags:show',
  'os-server-tags:update',
  'os-server-tags:update_all',
  'os-server-tags:delete',
  'os-server-tags:delete_all',
  'ips:index',
  'ips:show',
  'os-server-groups:index',
  'os-server-groups:show',
  'os-server-groups:create',
  'os-server-groups:delete',
  'os-keypairs:index',
  'os-keypairs:show',
  'os-keypairs:create',
  'os-keypairs:delete',
  'os-quota-sets:show',
  'os-quota-sets:detail',
  'os-simple-tenant-usage:show',
  'os-security-groups:list',
  'os-security-groups:add',
  'os-security-groups:remove',
  'os-create-backup',
  'os-shelve:shelve',
  'os-shelve:unshelve',
  'os-floating-ips:list',
  'os-floating-ips:show',
  'os-floating-ips:create',
  'os-floating-ips:delete',
  'os-floating-ips:add',
  'os-floating-ips:remove',
]

const ADMIN_RULES = [
  'os-flavor-manage:create',
  'os-flavor-manage:update',
  'os-flavor-manage:delete',
  'os-flavor-extra-specs:create',
  'os-flavor-extra-specs:update',
  'os-flavor-extra-specs:delete',
  'os-flavor-access:add_tenant_access',
  'os-flavor-access:remove_tenant_access',
  'os-flavor-access',
  'os-availability-zone:detail',
  'os-hypervisors:list',
  'os-hypervisors:list-detail',
  'os-hypervisors:show',
  'os-hypervisors:statistics',
  'os-services:list',
  'os-services:update',
  'os-quota-sets:update',
  'os-quota-sets:defaults',
  'servers:force_delete',
  'servers:detail:get_all_tenants',
  'servers:index:get_all_tenants',
  'servers:show:host_status',
  'os-lock-server:unlock:unlock_override',
  'os-server-groups:index:all_projects',
  'os-instance-actions:events',
  'os-admin-actions:reset_state',
  'os-quota-sets:delete',
  'os-aggregates:index',
  'os-aggregates:create',
  'os-aggregates:show',
  'os-aggregates:update',
  'os-aggregates:delete',
  'os-quota-class-sets:show',
  'os-simple-tenant-usage:list',
  'os-migrate-server:migrate',
  'os-migrate-server:migrate_live',
  'os-evacuate',
  'os-shelve:shelve_offload',
  'os-migrations:index',
  'servers:migrations:index',
]

/** Rules Nova gives to services (and admins): events from networking and block storage. */
const SERVICE_RULES = ['os-server-external-events:create']

const ANY_RULES = [
  'flavors:index',
  'flavors:show',
  'os-flavor-extra-specs:index',
  'os-flavor-extra-specs:show',
  'os-availability-zone:list',
  'limits',
  'images',
  'extensions',
  'os-floating-ip-pools:list',
]

/** Rule names to check strings; a policy file may override any of them. */
export const computePolicyDefaults: Readonly<Record<string, string>> = {
  ...RULES,
  ...Object.fromEntries(OWNER_RULES.map((r) => [`os_compute_api:${r}`, OWNER])),
  ...Object.fromEntries(ADMIN_RULES.map((r) => [`os_compute_api:${r}`, ADMIN])),
  ...Object.fromEntries(ANY_RULES.map((r) => [`os_compute_api:${r}`, ANY])),
  ...Object.fromEntries(
    SERVICE_RULES.map((r) => [`os_compute_api:${r}`, 'role:admin or role:service']),
  ),
  'os_compute_api:os-quota-sets:defaults': ANY,
}

/** The full rule name of a short one. */
export function rule(name: string): string {
  return `os_compute_api:${name}`
}
