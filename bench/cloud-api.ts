/** @module bench/cloud-api: JSON calls to a started cloud's APIs with an admin token */
import type { Cloud } from '../test/e2e/cloud.js'

/** A response: its status and its JSON body (empty object when it has none). */
export interface ApiReply {
  status: number
  body: Record<string, any>
}

/** Issues an admin token for `cloud` and returns a caller of paths on its listener. */
export async function adminApi(
  cloud: Cloud,
): Promise<(method: string, path: string, body?: unknown) => Promise<ApiReply>> {
  const base = cloud.authUrl.replace(/\/v3$/, '')
  const auth = await fetch(`${cloud.authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: 'admin', domain: { id: 'default' }, password: cloud.adminPassword },
          },
        },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    }),
  })
  const token = auth.headers.get('x-subject-token')
  if (auth.status !== 201 || !token) throw new Error(`admin token: ${auth.status}`)
  return async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as ApiReply['body'] }
  }
}
