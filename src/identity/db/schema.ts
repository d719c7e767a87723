/** @module identity/db/schema: the identity database's tables as Kysely sees them */
/** Projects and domains (a domain is a project with `is_domain`), as in Keystone. */
export interface ProjectTable {
  id: string
  name: string
  description: string
  enabled: number
  /** Null for domains. */
  domain_id: string | null
  parent_id: string | null
  is_domain: number
  extra: string
  created_at: string
}

export interface ProjectTagTable {
  project_id: string
  name: string
}

export interface UserTable {
  id: string
  domain_id: string
  name: string
  enabled: number
  default_project_id: string | null
  extra: string
  options: string
  created_at: string
  last_active_at: string | null
  failed_auth_count: number
  failed_auth_at: string | null
}

export interface PasswordTable {
  id: string
  user_id: string
  hash: string
  created_at: string
  expires_at: string | null
  self_service: number
}

export interface GroupTable {
  id: string
  domain_id: string
  name: string
  description: string
  extra: string
}

export interface MembershipTable {
  user_id: string
  group_id: string
}

export interface RoleTable {
  id: string
  name: string
  /** `<<null>>` for global roles, so the unique index covers them on every dialect. */
  domain_id: string
  description: string
  options: string
  extra: string
}

export interface ImpliedRoleTable {
  prior_role_id: string
  implied_role_id: string
}

export const ASSIGNMENT_TYPES = [
  'UserProject',
  'GroupProject',
  'UserDomain',
  'GroupDomain',
  'UserSystem',
  'GroupSystem',
] as const
export type AssignmentType = (typeof ASSIGNMENT_TYPES)[number]

export interface AssignmentTable {
  type: AssignmentType
  actor_id: string
  target_id: string
  role_id: string
  inherited: number
}

export interface RegionTable {
  id: string
  description: string
  parent_region_id: string | null
  extra: string
}

export interface ServiceTable {
  id: string
  type: string
  enabled: number
  extra: string
}

export interface EndpointTable {
  id: string
  service_id: string
  interface: string
  url: string
  region_id: string | null
  enabled: number
  extra: string
}

export interface AppCredentialTable {
  id: string
  name: string
  secret_hash: string
  description: string | null
  user_id: string
  project_id: string
  expires_at: string | null
  unrestricted: number
  created_at: string
}

export interface AppCredentialRoleTable {
  application_credential_id: string
  role_id: string
}

export interface CredentialTable {
  id: string
  user_id: string
  project_id: string | null
  type: string
  encrypted_blob: string
  extra: string
}

export interface RevocationEventTable {
  id: string
  user_id: string | null
  project_id: string | null
  domain_id: string | null
  role_id: string | null
  audit_id: string | null
  audit_chain_id: string | null
  issued_before: string
  revoked_at: string
}

export interface RegisteredLimitTable {
  id: string
  service_id: string
  region_id: string | null
  resource_name: string
  default_limit: number
  description: string | null
}

export interface LimitTable {
  id: string
  project_id: string | null
  domain_id: string | null
  service_id: string
  region_id: string | null
  resource_name: string
  resource_limit: number
  description: string | null
}

/** Opaque policy documents stored for other services (`/v3/policies`). */
export interface PolicyBlobTable {
  id: string
  type: string
  blob: string
  extra: string
}

export interface IdentityDatabase {
  project: ProjectTable
  project_tag: ProjectTagTable
  user: UserTable
  password: PasswordTable
  group: GroupTable
  membership: MembershipTable
  role: RoleTable
  implied_role: ImpliedRoleTable
  assignment: AssignmentTable
  region: RegionTable
  service: ServiceTable
  endpoint: EndpointTable
  application_credential: AppCredentialTable
  application_credential_role: AppCredentialRoleTable
  credential: CredentialTable
  revocation_event: RevocationEventTable
  registered_limit: RegisteredLimitTable
  limit: LimitTable
  policy_blob: PolicyBlobTable
}

/** The stored form of a global role's domain. */
export const GLOBAL_ROLE_DOMAIN = '<<null>>'
