/** @module block-storage/api/versions-routes: the version documents at /volume and /volume/v3 */
import type { Route, RouteInput } from '../../core/http/index.js'
import { baseUrl } from './route-kit.js'

/** Oldest and newest Block Storage API microversions served. */
export const VOLUME_MIN_VERSION = '3.0'
export const VOLUME_MAX_VERSION = '3.60'

function v3(input: RouteInput) {
  return {
    id: 'v3.0',
    status: 'CURRENT',
    version: VOLUME_MAX_VERSION,
    min_version: VOLUME_MIN_VERSION,
    updated: '2023-08-31T00:00:00Z',
    links: [
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      { rel: 'self', href: `${baseUrl(input)}/v3/` },
    ],
    'media-types': [
      { base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' },
    ],
  }
}

export function versionRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/',
      auth: 'none',
      errors: [],
      // Cinder answers the version list with 300 Multiple Choices.
      handler: async (input) => ({ status: 300, body: { versions: [v3(input)] } }),
    },
    {
      method: 'GET',
      path: '/v3',
      auth: 'none',
      errors: [],
      handler: async (input) => ({ status: 200, body: { versions: [v3(input)] } }),
    },
  ]
}
