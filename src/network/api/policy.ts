/** @module network/api/policy: Neutron's default policy rules (legacy admin-or-owner defaults) */

const ADMIN = 'rule:admin_only'
const OWNER = 'rule:admin_or_owner'
const NET_OWNER = 'rule:admin_or_network_owner'

/** Rule names to check strings; a policy file may override any of them. */
export const networkPolicyDefaults: Readonly<Record<string, string>> = {
  context_is_admin: 'role:admin',
  owner: 'project_id:%(project_id)s',
  admin_or_owner: 'rule:context_is_admin or rule:owner',
  admin_only: 'rule:context_is_admin',
  regular_user: '',
  shared: 'True:%(shared)s',
  external: 'True:%(router:external)s',
  network_owner: 'project_id:%(network:project_id)s',
  admin_or_network_owner: 'rule:context_is_admin or rule:network_owner',
  admin_owner_or_network_owner: 'rule:admin_or_owner or rule:network_owner',

  get_extension: 'rule:regular_user',
  create_network: 'rule:regular_user',
  'create_network:shared': ADMIN,
  'create_network:router:external': ADMIN,
  'create_network:provider': ADMIN,
  'create_network:is_default': ADMIN,
  get_network: `${OWNER} or rule:shared or rule:external`,
  'get_network:provider': ADMIN,
  update_network: OWNER,
  'update_network:shared': ADMIN,
  'update_network:router:external': ADMIN,
  'update_network:provider': ADMIN,
  delete_network: OWNER,

  create_subnet: NET_OWNER,
  get_subnet: `${OWNER} or rule:shared`,
  update_subnet: NET_OWNER,
  delete_subnet: NET_OWNER,

  create_port: 'rule:regular_user',
  'create_port:mac_address': NET_OWNER,
  'create_port:fixed_ips:ip_address': NET_OWNER,
  'create_port:binding': ADMIN,
  'create_port:device_owner': 'rule:regular_user',
  get_port: 'rule:admin_owner_or_network_owner',
  'get_port:binding': ADMIN,
  update_port: 'rule:admin_owner_or_network_owner',
  'update_port:mac_address': ADMIN,
  'update_port:fixed_ips:ip_address': NET_OWNER,
  'update_port:binding': ADMIN,
  delete_port: 'rule:admin_owner_or_network_owner',

  create_router: 'rule:regular_user',
  'create_router:external_gateway_info:enable_snat': ADMIN,
  'create_router:external_gateway_info:external_fixed_ips': ADMIN,
  get_router: OWNER,
  update_router: OWNER,
  'update_router:external_gateway_info:enable_snat': ADMIN,
  'update_router:external_gateway_info:external_fixed_ips': ADMIN,
  delete_router: OWNER,
  add_router_interface: OWNER,
  remove_router_interface: OWNER,

  create_floatingip: 'rule:regular_user',
  'create_floatingip:floating_ip_address': ADMIN,
  get_floatingip: OWNER,
  update_floatingip: OWNER,
  delete_floatingip: OWNER,

  create_security_group: 'rule:regular_user',
  get_security_group: OWNER,
  update_security_group: OWNER,
  delete_security_group: OWNER,
  create_security_group_rule: OWNER,
  get_security_group_rule: OWNER,
  delete_security_group_rule: OWNER,

  create_subnetpool: 'rule:regular_user',
  'create_subnetpool:shared': ADMIN,
  'create_subnetpool:is_default': ADMIN,
  get_subnetpool: `${OWNER} or rule:shared`,
  update_subnetpool: OWNER,
  'update_subnetpool:is_default': ADMIN,
  delete_subnetpool: OWNER,

  create_rbac_policy: 'rule:regular_user',
  get_rbac_policy: `${OWNER} or project_id:%(target_tenant)s`,
  update_rbac_policy: OWNER,
  delete_rbac_policy: OWNER,

  get_quota: OWNER,
  get_quotas: ADMIN,
  update_quota: ADMIN,
  delete_quota: ADMIN,

  get_network_ip_availability: ADMIN,
  get_agent: ADMIN,
  get_availability_zone: 'rule:regular_user',
  manage_tags: OWNER,
}
