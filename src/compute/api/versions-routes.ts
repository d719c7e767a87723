/** @module compute/api/versions-routes: the version documents at /compute, /compute/v2 and /compute/v2.1 */
import type { Route, RouteInput } from '../../core/http/index.js'
import { baseUrl } from './route-kit.js'

/** Oldest and newest Compute API microversions served. */
export const COMPUTE_MIN_VERSION = '2.1'
export const COMPUTE_MAX_VERSION = '2.90'

function v21(input: RouteInput) {
  const base = baseUrl(input)
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: COMPUTE_MAX_VERSION,
    min_version: COMPUTE_MIN_VERSION,
    updated: '2013-07-23T11:33:21Z',
    links: [
      { rel: 'self', href: `${base}/v2.1/` },
      { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
    ],
    'media-types': [
      { base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' },
    ],
  }
}

/** The legacy v2.0 API: listed as Nova lists it, served as v2.1 (it is not a separate API here). */
function v20(input: RouteInput) {
  return {
    id: 'v2.0',
    status: 'SUPPORTED',
    version: '',
    min_version: '',
    updated: '2011-01-21T11:33:21Z',
    links: [{ rel: 'self', href: `${baseUrl(input)}/v2/` }],
  }
}

export function versionRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/',
      auth: 'none',
      errors: [],
      handler: async (input) => ({ status: 200, body: { versions: [v20(input), v21(input)] } }),
    },
    {
      method: 'GET',
      path: '/v2',
      auth: 'none',
      errors: [],
      handler: async (input) => {
        const version = v20(input)
        const links = [
          ...version.links,
          { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
        ]
        const mediaTypes = [
          { base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' },
        ]
        return { status: 200, body: { version: { ...version, links, 'media-types': mediaTypes } } }
      },
    },
    {
      method: 'GET',
      path: '/v2.1',
      auth: 'none',
      errors: [],
      handler: async (input) => ({ status: 200, body: { version: v21(input) } }),
    },
  ]
}
