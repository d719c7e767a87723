/** @module clients/service-token: the token a service sends when it calls another */
import { ServiceCallError } from './errors.js'
import type { HttpDispatcher } from './http-dispatcher.js'

/** Where a client gets the token it sends. */
export interface TokenSource {
  /** A valid token; `refresh` forces a new one (after a 401). */
  token(refresh?: boolean): Promise<string>
}

/** A service user's password credentials. */
export interface ServicePassword {
  username: string
  password: string
  projectName: string
}

/** A fixed token (tests). */
export function staticTokenSource(token: string): TokenSource {
  return { token: async () => token }
}

/** Authenticates as a service user through the identity API and keeps the token until near expiry. */
export function passwordTokenSource(
  dispatch: HttpDispatcher,
  credentials: () => ServicePassword,
  identityPath = '/identity/v3',
): TokenSource {
  let cached: { token: string; expiresAt: number } | undefined
  return {
    async token(refresh = false) {
      if (!refresh && cached && cached.expiresAt - 60_000 > Date.now()) return cached.token
      const creds = credentials()
      const response = await dispatch({
        method: 'POST',
        path: `${identityPath}/auth/tokens?nocatalog`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: {
              methods: ['password'],
              password: {
                user: { name: creds.username, domain: { id: 'default' }, password: creds.password },
              },
            },
            scope: { project: { name: creds.projectName, domain: { id: 'default' } } },
          },
        }),
      })
      const token = response.headers['x-subject-token']
      if (response.status !== 201 || typeof token !== 'string') {
        throw new ServiceCallError('identity', 503, `service user ${creds.username} cannot log in`)
      }
      const body = JSON.parse(response.body) as { token: { expires_at: string } }
      cached = { token, expiresAt: Date.parse(body.token.expires_at) }
      return token
    },
  }
}
