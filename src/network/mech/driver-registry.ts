/** @module network/mech/driver-registry: the mechanism drivers config may choose */
import type { Logger } from '../../core/log/index.js'
import type { AgentRegistry } from '../rpc/agent-registry.js'
import { createLinuxbridgeDriver } from './linuxbridge-driver.js'
import type { MechanismDriver } from './mechanism-driver.js'
import { createNoopDriver } from './noop-driver.js'

/** What the server gives a driver it builds. */
export interface MechanismDriverDeps {
  agents: AgentRegistry
  notify(kind: string, id: string): void
  logger: Logger
}

export const mechanismDrivers = {
  noop: () => createNoopDriver(),
  linuxbridge: (deps: MechanismDriverDeps) => createLinuxbridgeDriver(deps),
} as const satisfies Record<string, (deps: MechanismDriverDeps) => MechanismDriver>

export type MechanismDriverName = keyof typeof mechanismDrivers

export const MECHANISM_DRIVER_NAMES = Object.keys(mechanismDrivers) as MechanismDriverName[]
