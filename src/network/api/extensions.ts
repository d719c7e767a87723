/** @module network/api/extensions: the API extensions this server implements, as Neutron names them */

/** One extension of `GET /v2.0/extensions`. */
export interface Extension {
  alias: string
  name: string
  description: string
}

const e = (alias: string, name: string, description: string): Extension => ({
  alias,
  name,
  description,
})

/** Exactly the extensions implemented; Tempest and clients decide what to call from this list. */
export const EXTENSIONS: readonly Extension[] = [
  e('allowed-address-pairs', 'Allowed Address Pairs', 'Provides allowed address pairs'),
  e('availability_zone', 'Availability Zone', 'The availability zone extension.'),
  e('binding', 'Port Binding', 'Expose port bindings of a virtual port to external application'),
  e(
    'default-subnetpools',
    'Default Subnetpools',
    'Provides ability to mark and use a subnetpool as the default.',
  ),
  e(
    'external-net',
    'Neutron external network',
    'Adds external network attribute to network resource.',
  ),
  e(
    'ext-gw-mode',
    'Neutron L3 Configurable external gateway mode',
    'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway',
  ),
  e('extraroute', 'Neutron Extra Route', 'Extra routes configuration for L3 router'),
  e('fields', 'Fields', 'Allows to select the fields a response includes.'),
  e('net-mtu', 'Network MTU', 'Provides MTU attribute for a network resource.'),
  e(
    'network-ip-availability',
    'Network IP Availability',
    'Provides IP availability data for each network and subnet.',
  ),
  e(
    'network_availability_zone',
    'Network Availability Zone',
    'Availability zone support for network.',
  ),
  e('pagination', 'Pagination support', 'Extension that indicates that pagination is enabled.'),
  e('port-security', 'Port Security', 'Provides port security'),
  e(
    'project-id',
    'project_id field enabled',
    'Extension that indicates that project_id field is enabled.',
  ),
  e('provider', 'Provider Network', 'Expose mapping of virtual networks to physical networks'),
  e('quotas', 'Quota management support', 'Expose functions for quotas management per project'),
  e(
    'quota_details',
    'Quota details management support',
    'Expose functions for quotas usage statistics per project',
  ),
  e(
    'rbac-policies',
    'RBAC Policies',
    'Allows creation and modification of policies that control tenant access to resources.',
  ),
  e(
    'router',
    'Neutron L3 Router',
    'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.',
  ),
  e(
    'router_availability_zone',
    'Router Availability Zone',
    'Availability zone support for router.',
  ),
  e('security-group', 'security-group', 'The security groups extension.'),
  e('sorting', 'Sorting support', 'Extension that indicates that sorting is enabled.'),
  e(
    'standard-attr-description',
    'standard-attr-description',
    'Extension to add descriptions to standard attributes',
  ),
  e(
    'standard-attr-revisions',
    'Resource revision numbers',
    'This extension will display the revision number of neutron resources.',
  ),
  e(
    'standard-attr-tag',
    'Tag support for resources with standard attribute',
    'Enables to set tag on resources with standard attribute.',
  ),
  e(
    'standard-attr-timestamp',
    'Resource timestamps',
    'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.',
  ),
  e(
    'stateful-security-group',
    'Stateful security group',
    'Indicates if the security group is stateful or not',
  ),
  e('subnet_allocation', 'Subnet Allocation', 'Enables allocation of subnets from a subnet pool'),
  e(
    'tag-ext',
    'Tag support for resources: subnet, subnetpool, port, router',
    'Extends tag support to more L2 and L3 resources.',
  ),
  e(
    'revision-if-match',
    'If-Match constraints based on revision_number',
    'Extension indicating that If-Match based on revision_number is supported.',
  ),
  e(
    'port-security-groups-filtering',
    'Port filtering on security groups',
    'Provides security groups filtering when listing ports',
  ),
  e(
    'ip-substring-filtering',
    'IP address substring filtering',
    'Provides IP address substring filtering when listing ports',
  ),
]
