/** @module deploy/service-units: the API services an all-in-one process runs, in start order */
import type { HttpDispatcher } from '../clients/http-dispatcher.js'
import type { TokenSource } from '../clients/service-token.js'
import { startBlockStorageUnit } from '../block-storage/block-storage-unit.js'
import { startComputeUnit } from '../compute/compute-unit.js'
import type { TokenValidator } from '../core/auth/index.js'
import type { Bus } from '../core/bus/index.js'
import type { Clock } from '../core/clock/index.js'
import type { DatabaseLocation } from '../core/db/index.js'
import type { ServiceMount } from '../core/http/index.js'
import type { IdSource } from '../core/ids/index.js'
import type { Logger } from '../core/log/index.js'
import { startImageUnit } from '../image/image-unit.js'
import { startNetworkUnit } from '../network/network-unit.js'
import { startObjectStorageUnit } from '../object-storage/object-storage-unit.js'
import { startPlacementUnit } from '../placement/placement-unit.js'
import type { NimbusConfig } from './config.js'

/** What every service unit is given by the composition root. */
export interface UnitEnv {
  config: Readonly<NimbusConfig>
  database: DatabaseLocation
  logger: Logger
  clock: Clock
  ids: IdSource
  /** Validates X-Auth-Token for the unit's routes. */
  tokens: TokenValidator
  policyOverrides?: Record<string, string>
  /** The message bus between a service's units (API, conductor, agents). */
  bus: Bus
  /** Reaches the other services' public APIs (in process in the all-in-one). */
  dispatch: HttpDispatcher
  /** The token of a service's own user (`<unit name>` in the `service` project). */
  serviceToken(name: string): TokenSource
}

/** A catalog entry a unit wants registered once the listener's address is known. */
export interface CatalogEntry {
  type: string
  name: string
  description: string
  /** Path on the listener, e.g. `/image`; may contain `$(project_id)s`. */
  path: string
}

/** A started API service. */
export interface ServiceUnit {
  name: string
  mounts: ServiceMount[]
  catalog: CatalogEntry[]
  /** Runs once every unit answers requests and the service users exist (workers, agents). */
  start?(): Promise<void>
  close(): Promise<void>
}

/** Starts one service unit. */
export type ServiceUnitFactory = (env: UnitEnv) => Promise<ServiceUnit>

/**
 * The services besides identity (which every other one depends on for tokens), in start order.
 * Each service adds its factory here.
 */
export const serviceUnitFactories: readonly ServiceUnitFactory[] = [
  startImageUnit,
  startNetworkUnit,
  startObjectStorageUnit,
  startPlacementUnit,
  startComputeUnit,
  startBlockStorageUnit,
]
