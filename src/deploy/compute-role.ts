/** @module deploy/compute-role: a compute node: agents on this machine, the controller elsewhere */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fetchDispatcher } from '../clients/http-dispatcher.js'
import { passwordTokenSource } from '../clients/service-token.js'
import { startComputeNode } from '../compute/compute-node-unit.js'
import { parseTransportUrl } from '../core/bus/index.js'
import { ConfigError } from '../core/config/index.js'
import { createLogger } from '../core/log/index.js'
import type { NimbusConfig } from './config.js'
import { openMessageBus } from './message-bus.js'
import { startNetworkAgents } from '../network/agents/agents-unit.js'

/** A running compute node. */
export interface RunningComputeNode {
  /** The hosts this node registered (`compute.<host>` on the bus). */
  hosts: string[]
  controllerUrl: string
  logFile: string
  /** Stops the agents (their services go down once the controller stops hearing them). */
  stop(): Promise<void>
}

/** The compute service user, as the controller creates it (deploy/service-users). */
const COMPUTE_SERVICE_USER = 'nova'

/**
 * Checks what a compute node cannot run without: a broker shared with the controller, the
 * controller's URL and the compute service user's password.
 * @throws ConfigError naming the missing setting.
 */
export function assertComputeRoleConfig(config: Readonly<NimbusConfig>): void {
  if (parseTransportUrl(config.transportUrl).kind === 'memory') {
    throw new ConfigError(
      'role compute needs --transport-url rabbit://user:password@host:5672/, the broker the controller uses',
    )
  }
  if (config.controllerUrl === '') {
    throw new ConfigError(
      'role compute needs --controller-url, the controller API listener, e.g. http://controller:5000',
    )
  }
  if (config.servicePassword === '') {
    throw new ConfigError(
      `role compute needs --service-password, the ${COMPUTE_SERVICE_USER} user's password from the controller's identity/service-users.json`,
    )
  }
}

/** Starts the compute role and resolves once every agent serves its host topic. */
export async function startComputeRole(
  config: Readonly<NimbusConfig>,
): Promise<RunningComputeNode> {
  assertComputeRoleConfig(config)
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const logFile = join(config.dataDir, 'log', 'nimbus.log')
  const logger = createLogger({ level: config.logLevel, file: logFile })
  const dispatch = fetchDispatcher(config.controllerUrl)
  const serviceToken = passwordTokenSource(dispatch, () => ({
    username: COMPUTE_SERVICE_USER,
    password: config.servicePassword,
    projectName: 'service',
  }))
  // Fail at start, with the controller's answer, when the URL or the password is wrong.
  await serviceToken.token().catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(
      `cannot sign in to the controller at ${config.controllerUrl} as ${COMPUTE_SERVICE_USER}: ${reason}`,
      { cause: error },
    )
  })
  const bus = await openMessageBus(config, logger)
  try {
    const node = await startComputeNode({
      config: config.compute,
      hostName: config.hostName,
      bus,
      dispatch,
      serviceToken,
      logger,
      dataDir: config.dataDir,
    })
    // the L2 agent plugs this node's taps into its bridges when the data plane is on
    const network = await startNetworkAgents({
      config: config.network,
      host: config.hostName,
      dataDir: config.dataDir,
      bus,
      logger,
      notice: (text) => {
        logger.warn(text)
        process.stderr.write(`nimbus: ${text}\n`)
      },
      kinds: ['l2'],
    })
    const hosts = node.agents.map((agent) => agent.host)
    logger.info({ hosts, controller: config.controllerUrl }, 'compute node ready')
    return {
      hosts,
      controllerUrl: config.controllerUrl,
      logFile,
      async stop() {
        await network.stop()
        await node.stop()
        await bus.close()
        logger.flush()
      },
    }
  } catch (error) {
    await bus.close()
    logger.flush()
    throw error
  }
}
