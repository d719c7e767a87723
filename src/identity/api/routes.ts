/** @module identity/api/routes: the identity service's route table */
import type { Route } from '../../core/http/index.js'
import type { IdentityContext } from '../service/context.js'
import { authRoutes } from './auth-routes.js'
import { catalogRoutes } from './catalog-routes.js'
import { credentialRoutes } from './credentials-routes.js'
import { ec2Routes } from './ec2-routes.js'
import { policyBlobRoutes } from './policy-blobs-routes.js'
import { grantAndAssignmentRoutes } from './grants-routes.js'
import { projectRoutes } from './projects-routes.js'
import { roleRoutes } from './roles-routes.js'
import { userAndGroupRoutes } from './users-routes.js'
import { v3VersionRoutes } from './versions-routes.js'

/** Every route under `/v3`. */
export function identityRoutes(ctx: IdentityContext): Route[] {
  return [
    ...v3VersionRoutes(),
    ...authRoutes(ctx),
    ...projectRoutes(ctx),
    ...userAndGroupRoutes(ctx),
    ...roleRoutes(ctx),
    ...grantAndAssignmentRoutes(ctx),
    ...catalogRoutes(ctx),
    ...credentialRoutes(ctx),
    ...ec2Routes(ctx),
    ...policyBlobRoutes(ctx),
  ]
}
export { rootVersionRoutes } from './versions-routes.js'
