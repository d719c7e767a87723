/** @module identity/api/versions-routes: version discovery at `/`, `/identity`, `/v3` */
import type { Route, RouteInput } from '../../core/http/index.js'

const UPDATED = '2020-04-07T00:00:00Z'

function host(input: RouteInput): string {
  const h = input.raw.headers['x-forwarded-host'] ?? input.raw.headers.host ?? 'localhost'
  const proto = input.raw.headers['x-forwarded-proto'] ?? input.raw.protocol
  return `${String(proto)}://${String(h)}`
}

function v3(base: string): Record<string, unknown> {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: UPDATED,
    links: [{ rel: 'self', href: `${base}/` }],
    'media-types': [
      { base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' },
    ],
  }
}

function prefixOf(input: RouteInput): string {
  return input.raw.url.startsWith('/identity') ? '/identity' : ''
}

/** `GET /` (and `/identity`): the list of versions, 300 Multiple Choices as Keystone answers. */
export function rootVersionRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/',
      auth: 'none',
      errors: [],
      async handler(input) {
        const base = `${host(input)}${prefixOf(input)}/v3`
        return {
          status: 300,
          headers: { location: `${base}/` },
          body: { versions: { values: [v3(base)] } },
        }
      },
    },
  ]
}

/** `GET /v3`: the v3 version document. */
export function v3VersionRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/',
      auth: 'none',
      errors: [],
      async handler(input) {
        return { status: 200, body: { version: v3(`${host(input)}${prefixOf(input)}/v3`) } }
      },
    },
  ]
}
