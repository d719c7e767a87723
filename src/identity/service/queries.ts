/** @module identity/service/queries: read-only look-ups the API layer lists and shows */
import { listAssignments, type AssignmentFilter } from '../db/assignments-repo.js'
import {
  listEndpoints,
  listRegions,
  listServices,
  type EndpointFilter,
} from '../db/catalog-repo.js'
import {
  listGroupIdsOfUser,
  listGroups,
  listUserIdsInGroup,
  type GroupFilter,
} from '../db/groups-repo.js'
import { listProjects, type ProjectFilter } from '../db/projects-repo.js'
import { listImpliedRules, listRoles, type RoleFilter } from '../db/roles-repo.js'
import { listUsers, type UserFilter } from '../db/users-repo.js'
import type { IdentityContext } from './context.js'
import { assignedSystemRoleIds } from './effective-roles.js'

export type { AppCredential } from '../db/app-credentials-repo.js'
export {
  INTERFACES,
  type CatalogService,
  type Endpoint,
  type EndpointInterface,
  type Region,
} from '../db/catalog-repo.js'
export type { Group, GroupFilter } from '../db/groups-repo.js'
export type { Project, ProjectFilter } from '../db/projects-repo.js'
export type { Role, RoleFilter } from '../db/roles-repo.js'
export type { AssignmentType } from '../db/schema.js'
export type { User, UserFilter } from '../db/users-repo.js'

export const listProjectsBy = (ctx: IdentityContext, f: ProjectFilter) => listProjects(ctx.db, f)
export const listUsersBy = (ctx: IdentityContext, f: UserFilter) => listUsers(ctx.db, f)
export const listGroupsBy = (ctx: IdentityContext, f: GroupFilter) => listGroups(ctx.db, f)
export const groupIdsOfUser = (ctx: IdentityContext, userId: string) =>
  listGroupIdsOfUser(ctx.db, userId)
export const userIdsInGroup = (ctx: IdentityContext, groupId: string) =>
  listUserIdsInGroup(ctx.db, groupId)
export const listRolesBy = (ctx: IdentityContext, f: RoleFilter) => listRoles(ctx.db, f)
export const listImpliedRulesBy = (ctx: IdentityContext, priorRoleId?: string) =>
  listImpliedRules(ctx.db, priorRoleId)
export const listAssignmentsBy = (ctx: IdentityContext, f: AssignmentFilter) =>
  listAssignments(ctx.db, f)
export const listRegionsBy = (ctx: IdentityContext, parentRegionId?: string) =>
  listRegions(ctx.db, parentRegionId)
export const listServicesBy = (ctx: IdentityContext, f: { type?: string } = {}) =>
  listServices(ctx.db, f)
export const listEndpointsBy = (ctx: IdentityContext, f: EndpointFilter = {}) =>
  listEndpoints(ctx.db, f)
export const systemRoleIdsOf = (ctx: IdentityContext, userId: string) =>
  assignedSystemRoleIds(ctx.db, userId)
