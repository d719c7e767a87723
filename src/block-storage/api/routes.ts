/** @module block-storage/api/routes: the block storage route table */
import { defineRoutes } from '../../core/http/index.js'
import type { BlockStorageContext } from '../service/context.js'
import { adminRoutes } from './admin-routes.js'
import { attachmentRoutes } from './attachments-routes.js'
import { encryptionRoutes } from './encryption-routes.js'
import { groupTypeRoutes } from './group-types-routes.js'
import { groupRoutes } from './groups-routes.js'
import { qosRoutes } from './qos-routes.js'
import { quotaRoutes } from './quota-routes.js'
import { serviceRoutes } from './services-routes.js'
import { snapshotRoutes } from './snapshots-routes.js'
import { transferRoutes } from './transfers-routes.js'
import { typeRoutes } from './types-routes.js'
import { versionRoutes } from './versions-routes.js'
import { volumeActionRoutes } from './volume-actions-routes.js'
import { volumeRoutes } from './volumes-routes.js'

export function blockStorageRoutes(ctx: BlockStorageContext) {
  return defineRoutes([
    ...versionRoutes(),
    ...volumeRoutes(ctx),
    ...volumeActionRoutes(ctx),
    ...snapshotRoutes(ctx),
    ...typeRoutes(ctx),
    ...encryptionRoutes(ctx),
    ...attachmentRoutes(ctx),
    ...quotaRoutes(ctx),
    ...adminRoutes(ctx),
    ...serviceRoutes(ctx),
    ...transferRoutes(ctx),
    ...qosRoutes(ctx),
    ...groupTypeRoutes(ctx),
    ...groupRoutes(ctx),
  ])
}
