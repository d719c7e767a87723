/** @module network/network-unit: builds the network server from its parts (its composition root) */
import {
  createComputeEventsClient,
  type ComputeEventsClient,
} from '../clients/compute-events-client.js'
import type { HttpDispatcher } from '../clients/http-dispatcher.js'
import type { TokenSource } from '../clients/service-token.js'
import type { TokenValidator } from '../core/auth/index.js'
import type { Bus, Subscription } from '../core/bus/index.js'
import type { Clock } from '../core/clock/index.js'
import { migrateToLatest, openServiceDatabase, type DatabaseLocation } from '../core/db/index.js'
import { renderNetworkFault } from '../core/faults/index.js'
import type { ServiceMount } from '../core/http/index.js'
import type { IdSource } from '../core/ids/index.js'
import type { Logger } from '../core/log/index.js'
import { createPolicyEnforcer } from '../core/policy/index.js'
import { networkPolicyDefaults } from './api/policy.js'
import { networkServiceRoutes } from './api/routes.js'
import type { NetworkConfig } from './config.js'
import { networkMigrations } from './db/migrations/index.js'
import type { NetworkDatabase } from './db/schema.js'
import { startNetworkAgents, type NetworkAgents } from './agents/agents-unit.js'
import { metadataApiUrl } from './agents/metadata/metadata-proxy-server.js'
import { mechanismDrivers } from './mech/driver-registry.js'
import { loadAgentSettings } from './service/agents.js'
import { createAgentRegistry, type AgentRegistry } from './rpc/agent-registry.js'
import { createAgentNotifier, servePluginRpc } from './rpc/plugin-server.js'
import { bootstrapPublicNetwork } from './service/bootstrap.js'
import { createComputeNotifier } from './service/compute-notifier.js'
import type { NetworkContext } from './service/context.js'

export interface NetworkUnitOptions {
  database: DatabaseLocation
  config: Readonly<NetworkConfig>
  logger: Logger
  clock: Clock
  ids: IdSource
  tokens: TokenValidator
  policyOverrides?: Record<string, string>
  /** Owner of the bootstrapped public network ('' when unknown). */
  adminProjectId?: string
  /** The bus to the network agents; the linuxbridge driver needs it. */
  bus?: Bus
  /** Where server port events go (network-vif-plugged...); none: they are not sent. */
  computeEvents?: ComputeEventsClient
}

/** A running network server. */
export interface NetworkUnit {
  name: string
  ctx: NetworkContext
  mounts: ServiceMount[]
  catalog: { type: string; name: string; description: string; path: string }[]
  /** The agents that reported to this server. */
  agents: AgentRegistry
  close(): Promise<void>
}

export async function createNetworkUnit(options: NetworkUnitOptions): Promise<NetworkUnit> {
  const database = await openServiceDatabase<NetworkDatabase>(options.database, 'network')
  await migrateToLatest(database.db as never, networkMigrations)
  const logger = options.logger.child({ service: 'network' })
  const agents = createAgentRegistry()
  const { bus } = options
  if (options.config.mechanismDriver === 'linuxbridge' && !bus) {
    throw new Error('network: the linuxbridge mechanism driver needs the bus to its agents')
  }
  const notify = bus ? createAgentNotifier(bus, { logger }) : () => {}
  const ctx: NetworkContext = {
    db: database.db,
    dialect: database.dialect,
    clock: options.clock,
    ids: options.ids,
    config: options.config,
    logger,
    drivers: [mechanismDrivers[options.config.mechanismDriver]({ agents, notify, logger })],
    agents,
    ...(options.computeEvents
      ? { onPortChange: createComputeNotifier(options.computeEvents, logger).portChanged }
      : {}),
  }
  await loadAgentSettings(ctx)
  const subscriptions: Subscription[] = []
  if (bus) subscriptions.push(await servePluginRpc(bus, ctx, agents, notify))
  await bootstrapPublicNetwork(ctx, options.adminProjectId ?? '')
  const policy = createPolicyEnforcer({
    defaults: networkPolicyDefaults,
    ...(options.policyOverrides ? { overrides: options.policyOverrides } : {}),
  })
  return {
    name: 'network',
    ctx,
    mounts: [
      {
        name: 'network',
        prefixes: ['/networking'],
        routes: networkServiceRoutes(ctx),
        faults: renderNetworkFault,
        logger: options.logger,
        tokens: options.tokens,
        policy,
      },
    ],
    catalog: [{ type: 'network', name: 'neutron', description: 'Networking', path: '/networking' }],
    agents,
    async close() {
      for (const subscription of subscriptions) await subscription.close()
      await database.close()
    },
  }
}

/** What the all-in-one gives a service unit (structurally the deploy layer's UnitEnv). */
export interface NetworkUnitEnv {
  config: {
    network: Readonly<NetworkConfig>
    hostName: string
    dataDir: string
    /** Where the compute metadata API listens and the secret the metadata proxy signs with. */
    metadata?: Readonly<{ host: string; port: number; secret: string }>
  }
  database: DatabaseLocation
  logger: Logger
  clock: Clock
  ids: IdSource
  tokens: TokenValidator
  policyOverrides?: Record<string, string>
  bus?: Bus
  /** Reaches the compute API, for the server port events. */
  dispatch?: HttpDispatcher
  serviceToken?(name: string): TokenSource
}

/** The all-in-one's factory of the network server, with this host's agents when the data plane is on. */
export async function startNetworkUnit(
  env: NetworkUnitEnv,
): Promise<NetworkUnit & { start(): Promise<void> }> {
  const unit = await createNetworkUnit({
    database: env.database,
    config: env.config.network,
    logger: env.logger,
    clock: env.clock,
    ids: env.ids,
    tokens: env.tokens,
    ...(env.policyOverrides ? { policyOverrides: env.policyOverrides } : {}),
    ...(env.bus ? { bus: env.bus } : {}),
    ...(env.dispatch && env.serviceToken
      ? {
          computeEvents: createComputeEventsClient({
            service: 'compute',
            base: '/compute/v2.1',
            dispatch: env.dispatch,
            tokens: env.serviceToken('network'),
          }),
        }
      : {}),
  })
  let agents: NetworkAgents | undefined
  return {
    ...unit,
    async start() {
      if (!env.bus) return
      const given = env.config.metadata
      const url = given ? metadataApiUrl(given.host, given.port) : undefined
      const metadata = given && url ? { url, secret: given.secret } : undefined
      agents = await startNetworkAgents({
        config: env.config.network,
        host: env.config.hostName,
        dataDir: env.config.dataDir,
        bus: env.bus,
        logger: env.logger,
        ...(metadata ? { metadata } : {}),
        notice: (text) => {
          env.logger.warn(text)
          process.stderr.write(`nimbus: ${text}\n`)
        },
      })
    },
    async close() {
      await agents?.stop()
      await unit.close()
    },
  }
}
