/** @module identity/api/views: entities as Keystone's API shows them */
import type { Credential } from '../service/credentials.js'
import {
  AppCredential,
  CatalogService,
  Endpoint,
  Group,
  Project,
  Region,
  Role,
  User,
} from '../service/queries.js'

type Json = Record<string, unknown>

export function domainView(base: string, d: Project): Json {
  return {
    ...d.extra,
    id: d.id,
    name: d.name,
    description: d.description,
    enabled: d.enabled,
    tags: d.tags,
    options: {},
    links: { self: `${base}/domains/${d.id}` },
  }
}

export function projectView(base: string, p: Project): Json {
  if (p.isDomain) {
    return {
      ...p.extra,
      id: p.id,
      name: p.name,
      description: p.description,
      enabled: p.enabled,
      domain_id: null,
      parent_id: null,
      is_domain: true,
      tags: p.tags,
      options: {},
      links: { self: `${base}/projects/${p.id}` },
    }
  }
  return {
    ...p.extra,
    id: p.id,
    name: p.name,
    description: p.description,
    enabled: p.enabled,
    domain_id: p.domainId,
    parent_id: p.parentId,
    is_domain: false,
    tags: p.tags,
    options: {},
    links: { self: `${base}/projects/${p.id}` },
  }
}

/** Keystone prints password expiry as a naive timestamp with microseconds. */
function naive(iso: string | null): string | null {
  return iso === null ? null : iso.replace(/\.(\d{3})Z$/, '.$1000').replace(/Z$/, '')
}

export function userView(base: string, u: User, passwordExpiresAt: string | null): Json {
  return {
    ...u.extra,
    id: u.id,
    name: u.name,
    domain_id: u.domainId,
    enabled: u.enabled,
    ...(u.defaultProjectId ? { default_project_id: u.defaultProjectId } : {}),
    password_expires_at: naive(passwordExpiresAt),
    options: u.options,
    links: { self: `${base}/users/${u.id}` },
  }
}

export function groupView(base: string, g: Group): Json {
  return {
    ...g.extra,
    id: g.id,
    name: g.name,
    domain_id: g.domainId,
    description: g.description,
    links: { self: `${base}/groups/${g.id}` },
  }
}

export function roleView(base: string, r: Role): Json {
  return {
    ...r.extra,
    id: r.id,
    name: r.name,
    domain_id: r.domainId,
    description: r.description,
    options: r.options,
    links: { self: `${base}/roles/${r.id}` },
  }
}

/** The short role form used inside implied-role documents. */
export function roleRef(base: string, r: Role): Json {
  return { id: r.id, name: r.name, links: { self: `${base}/roles/${r.id}` } }
}

export function regionView(base: string, r: Region): Json {
  return {
    ...r.extra,
    id: r.id,
    description: r.description,
    parent_region_id: r.parentRegionId,
    links: { self: `${base}/regions/${r.id}` },
  }
}

export function serviceView(base: string, s: CatalogService): Json {
  return {
    ...s.extra,
    id: s.id,
    type: s.type,
    enabled: s.enabled,
    links: { self: `${base}/services/${s.id}` },
  }
}

export function endpointView(base: string, e: Endpoint): Json {
  return {
    ...e.extra,
    id: e.id,
    service_id: e.serviceId,
    interface: e.interface,
    url: e.url,
    region_id: e.regionId,
    region: e.regionId,
    enabled: e.enabled,
    links: { self: `${base}/endpoints/${e.id}` },
  }
}

export function appCredentialView(
  base: string,
  c: AppCredential,
  roles: Role[],
  secret?: string,
): Json {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    user_id: c.userId,
    project_id: c.projectId,
    expires_at: c.expiresAt,
    unrestricted: c.unrestricted,
    roles: roles.map((r) => ({ id: r.id, name: r.name, domain_id: r.domainId })),
    access_rules: [],
    ...(secret !== undefined ? { secret } : {}),
    links: { self: `${base}/users/${c.userId}/application_credentials/${c.id}` },
  }
}

export function credentialView(base: string, c: Credential): Json {
  return {
    ...c.extra,
    id: c.id,
    user_id: c.userId,
    project_id: c.projectId,
    type: c.type,
    blob: c.blob,
    links: { self: `${base}/credentials/${c.id}` },
  }
}
