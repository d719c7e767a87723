/** @module compute/compute-unit: builds the compute API, conductor, scheduler and agents */
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { hostname } from 'node:os'
import { createImageClient } from '../clients/image-client.js'
import type { HttpDispatcher } from '../clients/http-dispatcher.js'
import { createNetworkClient } from '../clients/network-client.js'
import { createPlacementClient } from '../clients/placement-client.js'
import type { RestEndpoint } from '../clients/rest-client.js'
import { createSecurityGroupClient } from '../clients/security-group-client.js'
import { staticTokenSource } from '../clients/service-token.js'
import { createVolumeClient, volumeApiBase } from '../clients/volume-client.js'
import type { TokenSource } from '../clients/service-token.js'
import type { TokenValidator } from '../core/auth/index.js'
import type { Bus, Subscription } from '../core/bus/index.js'
import type { Clock } from '../core/clock/index.js'
import { migrateToLatest, openServiceDatabase, type DatabaseLocation } from '../core/db/index.js'
import { renderComputeFault } from '../core/faults/index.js'
import type { ServiceMount } from '../core/http/index.js'
import type { IdSource } from '../core/ids/index.js'
import type { Logger } from '../core/log/index.js'
import { createPolicyEnforcer } from '../core/policy/index.js'
import { startPeriodic } from '../core/tasks/index.js'
import { startComputeAgent, type ComputeAgent } from './agent/compute-agent.js'
import { listenMetadata, type MetadataListenerSettings } from './api/metadata-server.js'
import { computeRequestIdHeader } from './api/request-id-header.js'
import { computePolicyDefaults } from './api/policy.js'
import { computeRoutes } from './api/routes.js'
import { COMPUTE_MAX_VERSION, COMPUTE_MIN_VERSION } from './api/versions-routes.js'
import type { ComputeConfig } from './config.js'
import type { ConductorContext } from './conductor/conductor-context.js'
import { serveConductor } from './conductor/conductor-service.js'
import { recoverInterruptedBuilds } from './conductor/recovery.js'
import { upsertServiceHeartbeat } from './db/catalog-repo.js'
import { computeMigrations } from './db/migrations/index.js'
import type { ComputeDatabase } from './db/schema.js'
import {
  createAgentClient,
  createConductorClient,
  createSchedulerClient,
} from './rpc/compute-rpc-clients.js'
import { registerGuestImages } from './images/guest-images.js'
import { buildTinyContainer } from './images/tiny-container.js'
import { buildTinyImage } from './images/tiny-image-builder.js'
import { serveScheduler } from './scheduler/scheduler-service.js'
import { now, type ComputeContext } from './service/context.js'
import { registerDefaultFlavors } from './service/flavors.js'
import type { ComputeDriver } from './virt/compute-driver.js'
import { computeDrivers } from './virt/driver-registry.js'

const MICROVERSIONS = {
  serviceType: 'compute',
  legacyHeader: 'X-OpenStack-Nova-API-Version',
  min: COMPUTE_MIN_VERSION,
  max: COMPUTE_MAX_VERSION,
}

/** Path of the compute API on the listener. */
export const COMPUTE_PATH = '/compute'

export interface ComputeUnitOptions {
  database: DatabaseLocation
  config: Readonly<ComputeConfig>
  logger: Logger
  clock: Clock
  ids: IdSource
  tokens: TokenValidator
  bus: Bus
  /** Reaches the other services' public APIs. */
  dispatch: HttpDispatcher
  /** The compute service user's token, for those calls. */
  serviceToken: TokenSource
  policyOverrides?: Record<string, string>
  /** Builds each host's driver instead of the configured one (tests inject failures). */
  driverFor?: (host: string) => ComputeDriver
  /** Names of the compute hosts (default: `hostName`, then -2, -3...). */
  hostNames?: string[]
  /** This node's name, for its services and hosts (default: the machine's name). */
  hostName?: string
  periodicMs?: number
  /** The node's data dir; drivers with files on the host keep them under `<dataDir>/compute`. */
  dataDir?: string
  /** The metadata API's listener, started with the unit (none without). */
  metadata?: MetadataListenerSettings
}

export interface ComputeUnit {
  ctx: ComputeContext
  mounts: ServiceMount[]
  agents: ComputeAgent[]
  /** Starts conductor, scheduler and agents: the other services must answer by then. */
  start(): Promise<void>
  close(): Promise<void>
}

export async function createComputeUnit(options: ComputeUnitOptions): Promise<ComputeUnit> {
  const database = await openServiceDatabase<ComputeDatabase>(options.database, 'compute')
  await migrateToLatest(database.db as never, computeMigrations)
  const logger = options.logger.child({ service: 'compute' })
  const endpoint = (service: string, base: string): RestEndpoint => ({
    service,
    base,
    dispatch: options.dispatch,
    tokens: options.serviceToken,
  })
  const network = createNetworkClient(endpoint('network', '/networking/v2.0'))
  const images = createImageClient(endpoint('image', '/image/v2'))
  const placement = createPlacementClient(endpoint('placement', '/placement'))
  const ctx: ComputeContext = {
    db: database.db,
    clock: options.clock,
    ids: options.ids,
    config: options.config,
    logger,
    agents: createAgentClient(options.bus),
    conductor: createConductorClient(options.bus),
    network,
    images,
    placement,
    imagesFor: (token) =>
      createImageClient({ ...endpoint('image', '/image/v2'), tokens: staticTokenSource(token) }),
    volumesFor: (projectId, token) =>
      createVolumeClient({
        ...endpoint('volume', volumeApiBase(projectId)),
        ...(token !== undefined ? { tokens: staticTokenSource(token) } : {}),
      }),
    securityGroupsFor: (token) =>
      createSecurityGroupClient({
        ...endpoint('network', '/networking/v2.0'),
        tokens: staticTokenSource(token),
      }),
  }
  await registerDefaultFlavors(ctx)
  const conductorCtx: ConductorContext = {
    ...ctx,
    agents: ctx.agents,
    scheduler: createSchedulerClient(options.bus),
  }
  const subscriptions: Subscription[] = []
  const agents: ComputeAgent[] = []
  const stop = new AbortController()
  const me = options.hostName ?? hostname()
  const hosts =
    options.hostNames ??
    Array.from({ length: options.config.hosts }, (_, i) => (i === 0 ? me : `${me}-${i + 1}`))
  const policy = createPolicyEnforcer({
    defaults: computePolicyDefaults,
    ...(options.policyOverrides ? { overrides: options.policyOverrides } : {}),
  })
  const beat = async () => {
    for (const binary of ['nova-conductor', 'nova-scheduler']) {
      await upsertServiceHeartbeat(ctx.db, { id: ctx.ids.uuid(), host: me, binary, at: now(ctx) })
    }
  }
  let jobStopped: Promise<void> = Promise.resolve()
  let metadataApp: FastifyInstance | undefined
  /** Building and registering the driver's guest images, in the background after the start. */
  let guestImages: Promise<void> = Promise.resolve()
  return {
    ctx,
    agents,
    mounts: [
      {
        name: 'compute',
        prefixes: [COMPUTE_PATH],
        routes: computeRoutes(ctx),
        faults: renderComputeFault,
        logger: options.logger,
        tokens: options.tokens,
        policy,
        microversion: MICROVERSIONS,
        configure: computeRequestIdHeader(),
      },
    ],
    async start() {
      if (options.metadata) {
        const settings = options.metadata
        metadataApp = await listenMetadata({ ctx, clock: ctx.clock, logger, settings })
      }
      subscriptions.push(await serveConductor(options.bus, conductorCtx))
      const recovering = recoverInterruptedBuilds(conductorCtx).catch((error: unknown) =>
        logger.error({ err: error }, 'recovering interrupted builds failed'),
      )
      subscriptions.push(
        await serveScheduler(options.bus, { db: ctx.db, placement, clock: ctx.clock, logger }),
      )
      await beat()
      jobStopped = startPeriodic(beat, {
        intervalMs: options.periodicMs ?? 10_000,
        signal: stop.signal,
        onError: (error) => logger.warn({ err: error }, 'service heartbeat failed'),
      }).stopped
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
            volumes: (projectId) => ctx.volumesFor(projectId),
            logger,
            ...(options.periodicMs ? { periodicMs: options.periodicMs } : {}),
          }),
        )
      }
      await recovering
      if (options.config.guestImages && options.dataDir && hosts.length > 0) {
        const dataDir = options.config.guestImageCache || options.dataDir
        guestImages = registerGuestImages({
          driver: options.config.driver,
          images,
          build: async (log) => {
            const tiny = await buildTinyImage({ dataDir, log, signal: stop.signal })
            if (options.config.driver !== 'container') return tiny
            log('packing the tiny guest as a docker-format image')
            return { ...tiny, containerArchive: await buildTinyContainer(tiny) }
          },
          log: (line) => logger.info(line),
        }).then(
          () => undefined,
          (error: unknown) =>
            logger.error(
              { err: error },
              'the built-in guest images could not be built or registered: create them with `nimbus image build tiny` and `openstack image create`',
            ),
        )
      }
    },
    async close() {
      await metadataApp?.close()
      stop.abort()
      await jobStopped
      await guestImages
      for (const agent of agents) await agent.stop()
      for (const s of subscriptions) await s.close()
      await database.close()
    },
  }
}

/** What the all-in-one gives the compute unit (structurally the deploy layer's UnitEnv). */
export interface ComputeUnitEnv {
  config: {
    compute: Readonly<ComputeConfig>
    hostName?: string
    dataDir?: string
    metadata?: MetadataListenerSettings
  }
  database: DatabaseLocation
  logger: Logger
  clock: Clock
  ids: IdSource
  tokens: TokenValidator
  bus: Bus
  dispatch: HttpDispatcher
  serviceToken(name: string): TokenSource
  policyOverrides?: Record<string, string>
}

/** The all-in-one's factory of the compute service. */
export async function startComputeUnit(env: ComputeUnitEnv) {
  const unit = await createComputeUnit({
    database: env.database,
    config: env.config.compute,
    logger: env.logger,
    clock: env.clock,
    ids: env.ids,
    tokens: env.tokens,
    bus: env.bus,
    dispatch: env.dispatch,
    serviceToken: env.serviceToken('nova'),
    ...(env.config.hostName ? { hostName: env.config.hostName } : {}),
    ...(env.config.dataDir ? { dataDir: env.config.dataDir } : {}),
    ...(env.config.metadata ? { metadata: env.config.metadata } : {}),
    ...(env.policyOverrides ? { policyOverrides: env.policyOverrides } : {}),
  })
  return {
    name: 'nova',
    mounts: unit.mounts,
    catalog: [{ type: 'compute', name: 'nova', description: 'Compute', path: '/compute/v2.1' }],
    start: () => unit.start(),
    close: () => unit.close(),
  }
}
