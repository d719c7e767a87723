/** @module compute/scheduler/host-state: what filters and weighers know about a host and a request */

/** One candidate host, from placement's summary and the compute database. */
export interface HostState {
  host: string
  providerUuid: string
  availabilityZone: string
  enabled: boolean
  up: boolean
  disabledReason: string | null
  freeRamMb: number
  freeVcpus: number
  freeDiskGb: number
  /** Servers of the request's server group already on this host. */
  groupMembersHere: number
}

/** What is being scheduled. */
export interface ScheduleRequest {
  instanceUuid: string
  vcpus: number
  memoryMb: number
  rootGb: number
  availabilityZone: string | null
  groupPolicy: string | null
  excludeHosts: readonly string[]
}

/** Removes hosts that cannot take the request; says why. */
export interface HostFilter {
  readonly name: string
  /** Undefined when the host passes, else the reason it does not. */
  reject(host: HostState, request: ScheduleRequest): string | undefined
}

/** Ranks hosts: higher is better. Weights are normalized over the candidates, then multiplied. */
export interface HostWeigher {
  readonly name: string
  readonly multiplier: number
  weigh(host: HostState, request: ScheduleRequest): number
}
