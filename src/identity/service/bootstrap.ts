/** @module identity/service/bootstrap: the first-start contents of a cloud and its catalog entries */
import { createAssignment } from '../db/assignments-repo.js'
import { listEndpoints, listServices, type EndpointInterface } from '../db/catalog-repo.js'
import { findProjectByName, getProject } from '../db/projects-repo.js'
import { findRoleByName, listImpliedRules } from '../db/roles-repo.js'
import { findUserByName, listPasswords } from '../db/users-repo.js'
import { writeTransaction, type IdentityContext } from './context.js'
import { createEndpointIn, createRegionIn, createServiceIn, updateEndpointBy } from './catalog.js'
import { createDomain, createProjectIn, DEFAULT_DOMAIN_ID } from './projects.js'
import { verifyPassword } from './password-hash.js'
import { storePassword } from './password-checks.js'
import { addImpliedRole, createRoleIn } from './roles.js'
import { SYSTEM_TARGET } from './effective-roles.js'
import { createUserIn } from './users.js'
import { getRegion } from '../db/catalog-repo.js'

export const BOOTSTRAP_ROLES = ['admin', 'member', 'reader', 'service', 'ResellerAdmin'] as const

/** What the first start needs. */
export interface BootstrapInput {
  adminPassword: string
  adminUser?: string
  adminProject?: string
  serviceProject?: string
}

async function ensureRole(ctx: IdentityContext, name: string): Promise<string> {
  const found = await findRoleByName(ctx.db, name, null)
  return found ? found.id : (await createRoleIn(ctx, { name })).id
}

async function ensureProject(
  ctx: IdentityContext,
  name: string,
  description: string,
): Promise<string> {
  const found = await findProjectByName(ctx.db, name, DEFAULT_DOMAIN_ID)
  return found
    ? found.id
    : (
        await createProjectIn(
          ctx,
          { name, description, domainId: DEFAULT_DOMAIN_ID },
          DEFAULT_DOMAIN_ID,
        )
      ).id
}

/** Ensures a user exists with this password, creating or resetting it. */
export async function ensureUser(
  ctx: IdentityContext,
  name: string,
  password: string,
  defaultProjectId?: string,
): Promise<string> {
  const found = await findUserByName(ctx.db, name, DEFAULT_DOMAIN_ID)
  if (!found) {
    return (
      await createUserIn(
        ctx,
        { name, password, ...(defaultProjectId ? { defaultProjectId } : {}) },
        DEFAULT_DOMAIN_ID,
      )
    ).id
  }
  const [current] = await listPasswords(ctx.db, found.id)
  if (!current || !(await verifyPassword(password, current.hash)))
    await storePassword(ctx, found, password, false)
  return found.id
}

async function grantIfMissing(
  ctx: IdentityContext,
  type: 'UserProject' | 'UserSystem',
  actorId: string,
  targetId: string,
  roleId: string,
): Promise<void> {
  await writeTransaction(ctx, (db) =>
    createAssignment(db, { type, actorId, targetId, roleId, inherited: false }),
  )
}

/**
 * Idempotently creates the default domain, the admin and service projects, the standard roles
 * with admin implying member implying reader, and the admin user with the admin role on the
 * admin project and the system.
 */
export async function bootstrapIdentity(
  ctx: IdentityContext,
  input: BootstrapInput,
): Promise<{ adminUserId: string; adminProjectId: string; serviceProjectId: string }> {
  if (!(await getProject(ctx.db, DEFAULT_DOMAIN_ID))) {
    await createDomain(ctx, {
      id: DEFAULT_DOMAIN_ID,
      name: 'Default',
      description: 'The default domain',
    })
  }
  const roleIds: Record<string, string> = {}
  for (const name of BOOTSTRAP_ROLES) roleIds[name] = await ensureRole(ctx, name)
  const rules = await listImpliedRules(ctx.db)
  for (const [prior, implied] of [
    ['admin', 'member'],
    ['member', 'reader'],
  ] as const) {
    const p = roleIds[prior] as string
    const i = roleIds[implied] as string
    if (!rules.some((r) => r.priorRoleId === p && r.impliedRoleId === i))
      await addImpliedRole(ctx, p, i)
  }
  const adminProjectId = await ensureProject(
    ctx,
    input.adminProject ?? 'admin',
    'Bootstrap project for initializing the cloud.',
  )
  const serviceProjectId = await ensureProject(
    ctx,
    input.serviceProject ?? 'service',
    "Project of the services' own users.",
  )
  const adminUserId = await ensureUser(
    ctx,
    input.adminUser ?? 'admin',
    input.adminPassword,
    adminProjectId,
  )
  await grantIfMissing(ctx, 'UserProject', adminUserId, adminProjectId, roleIds['admin'] as string)
  await grantIfMissing(ctx, 'UserSystem', adminUserId, SYSTEM_TARGET, roleIds['admin'] as string)
  return { adminUserId, adminProjectId, serviceProjectId }
}

/** Gives a service user the `service` and `admin` roles on the service project. */
export async function ensureServiceUser(
  ctx: IdentityContext,
  name: string,
  password: string,
): Promise<string> {
  const serviceProject = await findProjectByName(ctx.db, 'service', DEFAULT_DOMAIN_ID)
  if (!serviceProject) throw new Error('bootstrap has not created the service project')
  const userId = await ensureUser(ctx, name, password)
  for (const role of ['service', 'admin']) {
    const found = await findRoleByName(ctx.db, role, null)
    if (found) await grantIfMissing(ctx, 'UserProject', userId, serviceProject.id, found.id)
  }
  return userId
}

/** One service's catalog entry. */
export interface ServiceRegistration {
  type: string
  name: string
  description?: string
  /** URL per interface; missing interfaces get the public URL. */
  url: string
  urls?: Partial<Record<EndpointInterface, string>>
  region: string
}

/** Creates or updates a service and its three endpoints in a region, so the catalog says where it really is. */
export async function registerService(
  ctx: IdentityContext,
  reg: ServiceRegistration,
): Promise<void> {
  if (!(await getRegion(ctx.db, reg.region))) await createRegionIn(ctx, { id: reg.region })
  let service = (await listServices(ctx.db, { type: reg.type })).find(
    (s) => s.extra['name'] === reg.name,
  )
  service ??= await createServiceIn(ctx, {
    type: reg.type,
    extra: { name: reg.name, description: reg.description ?? '' },
  })
  const endpoints = await listEndpoints(ctx.db, { serviceId: service.id, regionId: reg.region })
  for (const iface of ['public', 'internal', 'admin'] as const) {
    const url = reg.urls?.[iface] ?? reg.url
    const existing = endpoints.find((e) => e.interface === iface)
    if (!existing)
      await createEndpointIn(ctx, {
        serviceId: service.id,
        interface: iface,
        url,
        regionId: reg.region,
      })
    else if (existing.url !== url) await updateEndpointBy(ctx, existing.id, { url })
  }
}
