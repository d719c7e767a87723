/** @module compute/db/schema: the compute database's tables as Kysely sees them */

export interface FlavorTable {
  flavorid: string
  name: string
  vcpus: number
  memory_mb: number
  root_gb: number
  ephemeral_gb: number
  swap: number
  rxtx_factor: number
  is_public: number
  disabled: number
  description: string | null
  created_at: string
}

export interface FlavorExtraSpecTable {
  flavorid: string
  spec_key: string
  spec_value: string
}

export interface FlavorProjectTable {
  flavorid: string
  project_id: string
}

export interface KeypairTable {
  user_id: string
  name: string
  type: string
  public_key: string
  fingerprint: string
  created_at: string
}

export interface InstanceTable {
  uuid: string
  project_id: string
  user_id: string
  display_name: string
  display_description: string | null
  hostname: string
  vm_state: string
  task_state: string | null
  power_state: number
  host: string | null
  node: string | null
  availability_zone: string | null
  /** JSON of the flavor the server runs with (and old/new during a resize). */
  flavor: string
  old_flavor: string | null
  new_flavor: string | null
  image_ref: string
  key_name: string | null
  key_data: string | null
  user_data: string | null
  locked_by: string | null
  locked_reason: string | null
  launched_at: string | null
  terminated_at: string | null
  created_at: string
  updated_at: string
  deleted_at: string | null
  deleted: number
  reservation_id: string
  launch_index: number
  access_ip_v4: string | null
  access_ip_v6: string | null
  progress: number
  config_drive: string
  /** JSON list of the server's VIFs (ports with their addresses). */
  network_info: string
  /** JSON of what the create asked for: networks, security groups, ports it created. */
  request_spec: string
}

export interface InstanceMetadataTable {
  instance_uuid: string
  meta_key: string
  meta_value: string
}

export interface InstanceTagTable {
  instance_uuid: string
  tag: string
}

export interface InstanceFaultTable {
  id: string
  instance_uuid: string
  code: number
  message: string
  details: string
  host: string | null
  created_at: string
}

export interface InstanceActionTable {
  id: string
  request_id: string
  instance_uuid: string
  action: string
  project_id: string
  user_id: string
  start_time: string
  finish_time: string | null
  message: string | null
  updated_at: string
}

export interface InstanceActionEventTable {
  id: string
  action_id: string
  event: string
  start_time: string
  finish_time: string | null
  result: string | null
  traceback: string | null
  host: string | null
}

export interface ServerGroupTable {
  uuid: string
  name: string
  project_id: string
  user_id: string
  policy: string
  rules: string
  created_at: string
}

export interface ServerGroupMemberTable {
  group_uuid: string
  instance_uuid: string
}

export interface QuotaTable {
  project_id: string
  resource: string
  hard_limit: number
}

/** A quota class's limit for one resource (`default` gives every project its defaults). */
export interface QuotaClassTable {
  class_name: string
  resource: string
  hard_limit: number
}

export interface ComputeServiceTable {
  id: string
  host: string
  binary: string
  disabled: number
  disabled_reason: string | null
  forced_down: number
  last_seen_at: string
  created_at: string
  updated_at: string
}

export interface AggregateTable {
  id: number
  uuid: string
  name: string
  created_at: string
  updated_at: string | null
}

export interface AggregateHostTable {
  aggregate_id: number
  host: string
}

export interface AggregateMetadataTable {
  aggregate_id: number
  meta_key: string
  meta_value: string
}

export interface MigrationTable {
  id: number
  uuid: string
  instance_uuid: string
  migration_type: string
  status: string
  source_compute: string | null
  source_node: string | null
  dest_compute: string | null
  dest_node: string | null
  dest_host: string | null
  old_flavor_id: string | null
  new_flavor_id: string | null
  project_id: string
  user_id: string
  created_at: string
  updated_at: string | null
}

export interface BlockDeviceMappingTable {
  uuid: string
  instance_uuid: string
  source_type: string
  destination_type: string
  device_name: string | null
  boot_index: number | null
  volume_id: string | null
  attachment_id: string | null
  image_id: string | null
  snapshot_id: string | null
  volume_size: number | null
  volume_type: string | null
  delete_on_termination: number
  tag: string | null
  created_at: string
  updated_at: string | null
}

/** A feature a host's compute driver has (`volumeAttach`...), as its agent reports it. */
export interface HostCapabilityTable {
  host: string
  capability: string
}

/** The integer behind a server's or image's EC2 id (`i-%08x`, `ami-%08x`). */
export interface Ec2IdMappingTable {
  id: number
  uuid: string
}

/** A server's system metadata, never shown by the compute API (the guest's password). */
export interface InstanceSystemMetadataTable {
  instance_uuid: string
  meta_key: string
  meta_value: string
}

export interface ComputeDatabase {
  aggregate: AggregateTable
  aggregate_host: AggregateHostTable
  aggregate_metadata: AggregateMetadataTable
  block_device_mapping: BlockDeviceMappingTable
  host_capability: HostCapabilityTable
  flavor: FlavorTable
  flavor_extra_spec: FlavorExtraSpecTable
  flavor_project: FlavorProjectTable
  keypair: KeypairTable
  instance: InstanceTable
  instance_metadata: InstanceMetadataTable
  instance_tag: InstanceTagTable
  instance_fault: InstanceFaultTable
  instance_action: InstanceActionTable
  instance_action_event: InstanceActionEventTable
  migration: MigrationTable
  server_group: ServerGroupTable
  server_group_member: ServerGroupMemberTable
  quota: QuotaTable
  quota_class: QuotaClassTable
  compute_service: ComputeServiceTable
  ec2_id_mapping: Ec2IdMappingTable
  instance_system_metadata: InstanceSystemMetadataTable
}
