/** @module compute/model/host-provider: the placement provider of a compute host */
import { createHash } from 'node:crypto'

/** A stable provider uuid for a host name, so a restarted agent finds its provider again. */
export function providerUuidFor(host: string): string {
  const h = createHash('sha256').update(`nimbus-compute-node:${host}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** Seconds without a heartbeat after which a service is down (Nova's service_down_time). */
export const SERVICE_DOWN_SECONDS = 60

/** The availability zone of every host until aggregates assign others (Nova's default). */
export const DEFAULT_AVAILABILITY_ZONE = 'nova'
