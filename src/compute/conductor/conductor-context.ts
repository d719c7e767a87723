/** @module compute/conductor/conductor-context: what the conductor's flows are given */
import type { AgentClient, SchedulerClient } from '../rpc/compute-rpc-clients.js'
import type { ComputeContext } from '../service/context.js'

export interface ConductorContext extends Omit<ComputeContext, 'conductor' | 'agents'> {
  agents: AgentClient
  scheduler: SchedulerClient
}
