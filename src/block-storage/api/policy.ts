/** @module block-storage/api/policy: Cinder's default policy rules (admin-or-owner defaults) */

const ADMIN = 'rule:admin_api'
const ANY = ''

const RULES: Record<string, string> = {
  context_is_admin: 'role:admin',
  admin_api: 'role:admin',
  admin_or_owner: 'rule:context_is_admin or project_id:%(project_id)s',
}

/** Rules any project member passes; the use cases scope what they see to their project. */
const MEMBER_RULES = [
  'volume:get_all',
  'volume:get',
  'volume:create',
  'volume:update',
  'volume:delete',
  'volume:action',
  'volume:extend',
  'volume:retype',
  'volume:update_readonly_flag',
  'volume:reserve_volume',
  'volume:unreserve_volume',
  'volume:begin_detaching',
  'volume:roll_detaching',
  'volume:initialize_connection',
  'volume:terminate_connection',
  'volume:attach',
  'volume:detach',
  'volume:get_volume_metadata',
  'volume:update_volume_metadata',
  'volume:delete_volume_metadata',
  'volume:get_all_snapshots',
  'volume:get_snapshot',
  'volume:create_snapshot',
  'volume:update_snapshot',
  'volume:delete_snapshot',
  'volume:snapshot_action',
  'volume:get_snapshot_metadata',
  'volume:update_snapshot_metadata',
  'volume:delete_snapshot_metadata',
  'volume:attachment_index',
  'volume:attachment_show',
  'volume:attachment_create',
  'volume:attachment_update',
  'volume:attachment_complete',
  'volume:attachment_delete',
  'volume:extensions',
  'volume_extension:volume_actions:upload_image',
  'volume_extension:types_manage:index',
  'volume_extension:types_manage:show',
  'volume_extension:types_extra_specs:index',
  'volume_extension:types_extra_specs:show',
  'volume_extension:availability_zone_list',
  'volume_extension:quotas:show',
  'limits_extension:used_limits',
  'message:get_all',
  'message:get',
  'message:delete',
]

const ADMIN_RULES = [
  'volume:force_delete',
  'volume_extension:volume_admin_actions:reset_status',
  'volume_extension:volume_admin_actions:force_delete',
  'volume_extension:volume_admin_actions:force_detach',
  'volume_extension:snapshot_admin_actions:reset_status',
  'volume_extension:snapshot_admin_actions:force_delete',
  'volume_extension:types_manage:create',
  'volume_extension:types_manage:update',
  'volume_extension:types_manage:delete',
  'volume_extension:types_extra_specs:create',
  'volume_extension:types_extra_specs:update',
  'volume_extension:types_extra_specs:delete',
  'volume_extension:volume_type_access',
  'volume_extension:volume_type_access:addProjectAccess',
  'volume_extension:volume_type_access:removeProjectAccess',
  'volume_extension:quotas:update',
  'volume_extension:quotas:delete',
  'volume_extension:services:index',
  'volume_extension:services:update',
  'scheduler_extension:scheduler_stats:get_pools',
  'volume_extension:capabilities',
  'volume_extension:hosts',
]

/** Rule names to check strings; a policy file may override any of them. */
export const blockStoragePolicyDefaults: Readonly<Record<string, string>> = {
  ...RULES,
  ...Object.fromEntries(MEMBER_RULES.map((r) => [r, ANY])),
  ...Object.fromEntries(ADMIN_RULES.map((r) => [r, ADMIN])),
  'volume_extension:quotas:show': 'rule:admin_or_owner',
}
