/** @module network/mech/driver-registry: the mechanism drivers config may choose */
import type { MechanismDriver } from './mechanism-driver.js'
import { createNoopDriver } from './noop-driver.js'

export const mechanismDrivers = { noop: createNoopDriver } as const satisfies Record<
  string,
  () => MechanismDriver
>

export type MechanismDriverName = keyof typeof mechanismDrivers
