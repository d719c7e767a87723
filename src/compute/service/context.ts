/** @module compute/service/context: what every compute use case is given */
import type { Kysely } from 'kysely'
import type { ImageClient } from '../../clients/image-client.js'
import type { NetworkClient } from '../../clients/network-client.js'
import type { PlacementClient } from '../../clients/placement-client.js'
import type { SecurityGroupClient } from '../../clients/security-group-client.js'
import type { VolumeClient } from '../../clients/volume-client.js'
import { isoSeconds, type Clock } from '../../core/clock/index.js'
import type { IdSource } from '../../core/ids/index.js'
import type { Logger } from '../../core/log/index.js'
import type { ComputeConfig } from '../config.js'
import type { ComputeDatabase } from '../db/schema.js'
import type { AgentClient, ConductorClient } from '../rpc/compute-rpc-clients.js'

export interface ComputeContext {
  db: Kysely<ComputeDatabase>
  clock: Clock
  ids: IdSource
  config: Readonly<ComputeConfig>
  logger: Logger
  agents: AgentClient
  conductor: ConductorClient
  network: NetworkClient
  images: ImageClient
  placement: PlacementClient
  /** Networking security groups as the caller whose token is given (Nova's proxy APIs). */
  securityGroupsFor(token: string): SecurityGroupClient
  /** The image service as the caller whose token is given (Nova's image proxy API). */
  imagesFor(token: string): ImageClient
  /**
   * Block storage in a project's URL: as the caller whose token is given (Nova calls Cinder with
   * the user's token), or as the compute service (an admin) without one.
   */
  volumesFor(projectId: string, token?: string): VolumeClient
}

/** Who is calling, as use cases need it. */
export interface Caller {
  requestId: string
  userId: string
  projectId: string
  isAdmin: boolean
}

/** Timestamps as Nova shows them (`2026-01-01T00:00:00Z`). */
export function now(ctx: { clock: Clock }): string {
  return isoSeconds(ctx.clock.now())
}
