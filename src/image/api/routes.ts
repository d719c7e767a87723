/** @module image/api/routes: the image service's route table */
import type { Route } from '../../core/http/index.js'
import type { ImageContext } from '../service/context.js'
import { dataRoutes } from './data-routes.js'
import { discoveryRoutes } from './discovery-routes.js'
import { imagesRoutes } from './images-routes.js'
import { membersRoutes } from './members-routes.js'

export { versionRoutes } from './discovery-routes.js'

/** Every `/v2` route of the image service. */
export function imageRoutes(ctx: ImageContext): Route[] {
  return [...imagesRoutes(ctx), ...dataRoutes(ctx), ...membersRoutes(ctx), ...discoveryRoutes(ctx)]
}
