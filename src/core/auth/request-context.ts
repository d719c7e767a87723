/** @module core/auth/request-context: who is calling, as every service sees it */

/** The identity behind a request, built from a validated token. */
export interface AuthIdentity {
  userId: string
  userName: string
  userDomainId: string
  userDomainName: string
  /** Set for project-scoped tokens. */
  projectId?: string
  projectName?: string
  projectDomainId?: string
  projectDomainName?: string
  /** Set for domain-scoped tokens. */
  domainId?: string
  domainName?: string
  /** `all` for system-scoped tokens. */
  systemScope?: string
  roles: readonly string[]
  roleIds: readonly string[]
  /** Set when the token came from an application credential. */
  applicationCredentialId?: string
  /** Whether an application-credential token may create more credentials. */
  unrestricted?: boolean
  auditIds: readonly string[]
  expiresAt: string
  issuedAt: string
  methods: readonly string[]
}

/** What a handler knows about its request. */
export interface RequestContext {
  requestId: string
  /** Undefined for unauthenticated routes. */
  identity?: AuthIdentity
  /** The token as sent, for calls on the caller's behalf. */
  authToken?: string
  /** Identity of a valid `X-Service-Token`, when one was sent. */
  service?: AuthIdentity
}
