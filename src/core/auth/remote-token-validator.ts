/** @module core/auth/remote-token-validator: validates tokens through the identity API, as keystonemiddleware does */
import { ServiceUnavailableError, UnauthorizedError } from '../errors/index.js'
import type { AuthIdentity } from './request-context.js'
import type { TokenValidator } from './token-validator.js'

/** The service's own credentials, used to obtain the token it validates with. */
export interface ServiceCredentials {
  /** Identity v3 URL, e.g. `http://controller:5000/v3`. */
  authUrl: string
  username: string
  password: string
  projectName: string
  userDomainName?: string
  projectDomainName?: string
}

interface TokenBody {
  token: {
    methods: string[]
    user: { id: string; name: string; domain: { id: string; name: string } }
    project?: { id: string; name: string; domain: { id: string; name: string } }
    domain?: { id: string; name: string }
    system?: { all?: boolean }
    roles?: { id: string; name: string }[]
    audit_ids: string[]
    expires_at: string
    issued_at: string
    application_credential?: { id: string; restricted: boolean }
  }
}

/** Maps a Keystone token body to the caller's identity. */
export function identityFromTokenBody(body: TokenBody): AuthIdentity {
  const t = body.token
  return {
    userId: t.user.id,
    userName: t.user.name,
    userDomainId: t.user.domain.id,
    userDomainName: t.user.domain.name,
    ...(t.project
      ? {
          projectId: t.project.id,
          projectName: t.project.name,
          projectDomainId: t.project.domain.id,
          projectDomainName: t.project.domain.name,
        }
      : {}),
    ...(t.domain ? { domainId: t.domain.id, domainName: t.domain.name } : {}),
    ...(t.system?.all ? { systemScope: 'all' } : {}),
    roles: (t.roles ?? []).map((r) => r.name),
    roleIds: (t.roles ?? []).map((r) => r.id),
    ...(t.application_credential
      ? {
          applicationCredentialId: t.application_credential.id,
          unrestricted: !t.application_credential.restricted,
        }
      : {}),
    auditIds: t.audit_ids,
    expiresAt: t.expires_at.endsWith('Z') ? t.expires_at : `${t.expires_at}Z`,
    issuedAt: t.issued_at,
    methods: t.methods,
  }
}

/**
 * A validator for services running apart from identity: it authenticates as the service user,
 * then asks `GET /v3/auth/tokens` about each token. Wrap it in `cachedTokenValidator`.
 */
export function remoteTokenValidator(
  credentials: ServiceCredentials,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): TokenValidator {
  const doFetch = options.fetch ?? fetch
  const timeoutMs = options.timeoutMs ?? 10_000
  let serviceToken: { token: string; expiresAt: number } | undefined

  async function call(path: string, init: RequestInit): Promise<Response> {
    try {
      return await doFetch(`${credentials.authUrl}${path}`, {
        ...init,
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (error) {
      throw new ServiceUnavailableError(
        `identity service at ${credentials.authUrl} is unreachable`,
        { cause: error },
      )
    }
  }

  async function ownToken(): Promise<string> {
    if (serviceToken && serviceToken.expiresAt - 60_000 > Date.now()) return serviceToken.token
    const response = await call('/auth/tokens?nocatalog', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: {
                name: credentials.username,
                domain: { name: credentials.userDomainName ?? 'Default' },
                password: credentials.password,
              },
            },
          },
          scope: {
            project: {
              name: credentials.projectName,
              domain: { name: credentials.projectDomainName ?? 'Default' },
            },
          },
        },
      }),
    })
    const token = response.headers.get('x-subject-token')
    if (response.status !== 201 || !token) {
      throw new ServiceUnavailableError(
        `the service user ${credentials.username} cannot authenticate (HTTP ${response.status})`,
      )
    }
    const body = (await response.json()) as TokenBody
    serviceToken = { token, expiresAt: Date.parse(identityFromTokenBody(body).expiresAt) }
    return token
  }

  return {
    async validate(token) {
      const response = await call('/auth/tokens?nocatalog', {
        headers: { 'x-auth-token': await ownToken(), 'x-subject-token': token },
      })
      if (response.status === 200)
        return identityFromTokenBody((await response.json()) as TokenBody)
      if (response.status === 401) serviceToken = undefined
      if (response.status === 404 || response.status === 401) throw new UnauthorizedError()
      throw new ServiceUnavailableError(
        `identity answered HTTP ${response.status} to a token validation`,
      )
    },
  }
}
