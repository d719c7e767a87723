/** @module compute/compute-node-unit: the compute role: agents only, the controller reached remotely */
import { join } from 'node:path'
import type { HttpDispatcher } from '../clients/http-dispatcher.js'
import { createImageClient } from '../clients/image-client.js'
import { createPlacementClient } from '../clients/placement-client.js'
import { createVolumeClient, volumeApiBase } from '../clients/volume-client.js'
import type { RestEndpoint } from '../clients/rest-client.js'
import type { TokenSource } from '../clients/service-token.js'
import type { Bus } from '../core/bus/index.js'
import type { Logger } from '../core/log/index.js'
import { startComputeAgent, type ComputeAgent } from './agent/compute-agent.js'
import type { ComputeConfig } from './config.js'
import type { ComputeDriver } from './virt/compute-driver.js'
import { computeDrivers } from './virt/driver-registry.js'

/** What a compute node needs: the bus to the conductor, and the controller's APIs. */
export interface ComputeNodeOptions {
  config: Readonly<ComputeConfig>
  /** The first host's name; further hosts (fake driver) get -2, -3... */
  hostName: string
  /** Shared with the controller's conductor and scheduler. */
  bus: Bus
  /** Reaches the controller's API listener (image downloads, placement). */
  dispatch: HttpDispatcher
  /** The compute service user's token for those calls. */
  serviceToken: TokenSource
  logger: Logger
  /** Builds each host's driver instead of the configured one (tests). */
  driverFor?: (host: string) => ComputeDriver
  periodicMs?: number
  /** The node's data dir; drivers with files on the host keep them under `<dataDir>/compute`. */
  dataDir?: string
}

/** The agents a compute node runs. */
export interface ComputeNode {
  agents: ComputeAgent[]
  stop(): Promise<void>
}

/**
 * Starts one agent per configured host, as the all-in-one does, but with no database and no API:
 * each registers its inventory in placement over HTTP and its service through the conductor, then
 * serves `compute.<host>`. Agents already started are stopped again when a later one fails.
 */
export async function startComputeNode(options: ComputeNodeOptions): Promise<ComputeNode> {
  const logger = options.logger.child({ service: 'compute' })
  const endpoint = (service: string, base: string): RestEndpoint => ({
    service,
    base,
    dispatch: options.dispatch,
    tokens: options.serviceToken,
  })
  const placement = createPlacementClient(endpoint('placement', '/placement'))
  const images = createImageClient(endpoint('image', '/image/v2'))
  const hosts = Array.from({ length: Math.max(1, options.config.hosts) }, (_, i) =>
    i === 0 ? options.hostName : `${options.hostName}-${i + 1}`,
  )
  const agents: ComputeAgent[] = []
  const stop = async () => {
    for (const agent of agents.splice(0).reverse()) await agent.stop()
  }
  try {
    for (const host of hosts) {
      const driver =
        options.driverFor?.(host) ??
        computeDrivers[options.config.driver]({
          vcpus: options.config.hostVcpus,
          memoryMb: options.config.hostMemoryMb,
          diskGb: options.config.hostDiskGb,
          ...(options.dataDir ? { dataDir: join(options.dataDir, 'compute', host) } : {}),
          images,
          log: (level, message) => logger[level](message),
        })
      agents.push(
        await startComputeAgent({
          host,
          bus: options.bus,
          driver,
          placement,
          images,
          volumes: (projectId) => createVolumeClient(endpoint('volume', volumeApiBase(projectId))),
          logger,
          ...(options.periodicMs ? { periodicMs: options.periodicMs } : {}),
        }),
      )
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { agents: [...agents], stop }
}
