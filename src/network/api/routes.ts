/** @module network/api/routes: the network service's route table */
import type { Route } from '../../core/http/index.js'
import type { NetworkContext } from '../service/context.js'
import { miscRoutes } from './misc-routes.js'
import { networkRoutes } from './networks-routes.js'
import { poolAndRbacRoutes } from './pools-rbac-routes.js'
import { portRoutes } from './ports-routes.js'
import { routerRoutes } from './routers-routes.js'
import { securityGroupRoutes } from './security-groups-routes.js'

/** Every route under `/networking`. */
export function networkServiceRoutes(ctx: NetworkContext): Route[] {
  return [
    ...miscRoutes(ctx),
    ...networkRoutes(ctx),
    ...portRoutes(ctx),
    ...routerRoutes(ctx),
    ...securityGroupRoutes(ctx),
    ...poolAndRbacRoutes(ctx),
  ]
}
