/** @module compute/api/routes: the compute service's route table */
import type { Route } from '../../core/http/index.js'
import type { ComputeContext } from '../service/context.js'
import { actionRoutes } from './action-routes.js'
import { adminRoutes } from './admin-routes.js'
import { aggregateRoutes } from './aggregates-routes.js'
import { extensionRoutes } from './extensions-routes.js'
import { externalEventRoutes } from './external-events-routes.js'
import { flavorRoutes } from './flavors-routes.js'
import { floatingIpRoutes } from './floating-ips-routes.js'
import { hostRoutes } from './hosts-routes.js'
import { hypervisorRoutes } from './hypervisors-routes.js'
import { imageMetadataRoutes } from './image-metadata-routes.js'
import { imageRoutes } from './images-routes.js'
import { interfaceRoutes } from './interfaces-routes.js'
import { keypairRoutes } from './keypairs-routes.js'
import { limitRoutes } from './limits-routes.js'
import { migrationRoutes } from './migrations-routes.js'
import { quotaClassRoutes } from './quota-classes-routes.js'
import { securityGroupRoutes } from './security-groups-routes.js'
import { serverExtraRoutes } from './server-extras-routes.js'
import { serverMigrationRoutes } from './server-migrations-routes.js'
import { serverPasswordRoutes } from './server-password-routes.js'
import { serverRoutes } from './servers-routes.js'
import { usageRoutes } from './usage-routes.js'
import { versionRoutes } from './versions-routes.js'
import { volumeAttachmentRoutes } from './volume-attachments-routes.js'
import { volumeProxyRoutes } from './volumes-proxy-routes.js'

/** Every route under `/compute`. */
export function computeRoutes(ctx: ComputeContext): Route[] {
  const servers = serverRoutes(ctx)
  const create = servers.find((r) => r.method === 'POST' && r.path === '/v2.1/servers')
  return [
    ...versionRoutes(),
    ...extensionRoutes(),
    ...servers,
    ...actionRoutes(ctx),
    ...serverExtraRoutes(ctx),
    ...serverPasswordRoutes(ctx),
    ...flavorRoutes(ctx),
    ...keypairRoutes(ctx),
    ...limitRoutes(ctx),
    ...quotaClassRoutes(ctx),
    ...adminRoutes(ctx),
    ...securityGroupRoutes(ctx),
    ...imageRoutes(ctx),
    ...imageMetadataRoutes(ctx),
    ...hypervisorRoutes(ctx),
    ...hostRoutes(ctx),
    ...usageRoutes(ctx),
    ...aggregateRoutes(ctx),
    ...migrationRoutes(ctx),
    ...serverMigrationRoutes(ctx),
    ...floatingIpRoutes(ctx),
    ...externalEventRoutes(ctx),
    ...volumeAttachmentRoutes(ctx),
    ...interfaceRoutes(ctx),
    ...volumeProxyRoutes(ctx, create),
  ]
}
