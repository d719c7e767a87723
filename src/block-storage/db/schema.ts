/** @module block-storage/db/schema: the block storage database's tables as Kysely sees them */

/** One volume; deleted rows are removed (ids are uuids, never reused). */
export interface VolumeTable {
  id: string
  project_id: string
  user_id: string
  name: string | null
  description: string | null
  size: number
  status: string
  attach_status: string
  /** Status before a detach began, to roll back to. */
  previous_status: string | null
  availability_zone: string
  volume_type_id: string
  snapshot_id: string | null
  source_volid: string | null
  /** `host@backend#pool`, null until scheduled. */
  host: string | null
  bootable: number
  multiattach: number
  /** JSON object of strings. */
  metadata: string
  /** JSON object: `readonly`, `attached_mode`... */
  admin_metadata: string
  /** JSON object of the image's properties, or '' when not made from an image. */
  image_metadata: string
  created_at: string
  updated_at: string | null
  launched_at: string | null
  /** The generic volume group the volume belongs to. */
  group_id: string | null
}

export interface SnapshotTable {
  id: string
  project_id: string
  user_id: string
  volume_id: string
  name: string | null
  description: string | null
  size: number
  status: string
  progress: string
  metadata: string
  created_at: string
  updated_at: string | null
  /** The group snapshot this snapshot was taken as part of. */
  group_snapshot_id: string | null
}

export interface VolumeTypeTable {
  id: string
  name: string
  description: string | null
  is_public: number
  /** JSON object of strings. */
  extra_specs: string
  created_at: string
  updated_at: string | null
  /** The QoS specs associated with the type, if any. */
  qos_specs_id: string | null
}

export interface VolumeTypeAccessTable {
  volume_type_id: string
  project_id: string
}

export interface QuotaTable {
  project_id: string
  resource: string
  hard_limit: number
}

export interface AttachmentTable {
  id: string
  volume_id: string
  project_id: string
  instance_uuid: string | null
  attached_host: string | null
  mountpoint: string | null
  attach_mode: string
  attach_status: string
  /** JSON of the connector, '' until one is given. */
  connector: string
  /** JSON of the connection info, '' until the volume is exported. */
  connection_info: string
  attach_time: string | null
  detach_time: string | null
  created_at: string
  updated_at: string | null
}

/** Messages the owner of a resource may read (why an operation failed). */
export interface MessageTable {
  id: string
  project_id: string
  request_id: string
  resource_type: string
  resource_uuid: string | null
  event_id: string
  message_level: string
  user_message: string
  created_at: string
  expires_at: string
}

/** Units (`cinder-volume`, `cinder-scheduler`) and their last heartbeat. */
export interface ServiceTable {
  id: string
  host: string
  binary: string
  zone: string
  disabled: number
  disabled_reason: string | null
  /** 1 while an admin has frozen the backend (no changes to its volumes). */
  frozen: number
  /** JSON: the backend's capacity and capabilities as its agent last reported them. */
  stats: string
  created_at: string
  updated_at: string
}

/** A pending transfer of a volume to another project; removed once accepted or deleted. */
export interface TransferTable {
  id: string
  volume_id: string
  /** The project giving the volume away. */
  project_id: string
  name: string | null
  /** Hex salt and the SHA-256 of salt + auth key (the key itself is never stored). */
  salt: string
  crypt_hash: string
  no_snapshots: number
  created_at: string
  updated_at: string | null
}

/** QoS specs an admin associates with volume types. */
export interface QosSpecsTable {
  id: string
  name: string
  /** `front-end`, `back-end` or `both`. */
  consumer: string
  /** JSON object of strings. */
  specs: string
  created_at: string
  updated_at: string | null
}

export interface GroupTypeTable {
  id: string
  name: string
  description: string | null
  is_public: number
  /** JSON object of strings. */
  group_specs: string
  created_at: string
  updated_at: string | null
}

/** A generic volume group (Cinder's `groups` table). */
export interface VolumeGroupTable {
  id: string
  project_id: string
  user_id: string
  name: string | null
  description: string | null
  status: string
  availability_zone: string
  group_type_id: string
  /** JSON array of volume type ids the group's volumes may have. */
  volume_type_ids: string
  group_snapshot_id: string | null
  source_group_id: string | null
  created_at: string
  updated_at: string | null
}

export interface GroupSnapshotTable {
  id: string
  project_id: string
  user_id: string
  group_id: string
  group_type_id: string
  name: string | null
  description: string | null
  status: string
  created_at: string
  updated_at: string | null
}

/** A volume type's encryption (Cinder's `encryption` table); one row per encrypted type. */
export interface VolumeTypeEncryptionTable {
  volume_type_id: string
  encryption_id: string
  /** The encryptor class or format (`luks`, `plain`, `LuksEncryptor`...). */
  provider: string
  cipher: string | null
  key_size: number | null
  /** `front-end` (the consumer encrypts) or `back-end` (the backend does). */
  control_location: string
  created_at: string
  updated_at: string | null
}

export interface BlockStorageDatabase {
  volume: VolumeTable
  snapshot: SnapshotTable
  volume_type: VolumeTypeTable
  volume_type_access: VolumeTypeAccessTable
  quota: QuotaTable
  attachment: AttachmentTable
  message: MessageTable
  service: ServiceTable
  transfer: TransferTable
  qos_specs: QosSpecsTable
  group_type: GroupTypeTable
  volume_group: VolumeGroupTable
  group_snapshot: GroupSnapshotTable
  volume_type_encryption: VolumeTypeEncryptionTable
}
