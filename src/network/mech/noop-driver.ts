/** @module network/mech/noop-driver: binds every port and marks it ACTIVE; no data plane */
import type { MechanismDriver } from './mechanism-driver.js'

/** A driver for clouds without a data plane yet: compute can boot servers on any network. */
export function createNoopDriver(): MechanismDriver {
  return {
    name: 'noop',
    bindPort: () => ({ vifType: 'tap', vifDetails: { port_filter: false }, status: 'ACTIVE' }),
  }
}
