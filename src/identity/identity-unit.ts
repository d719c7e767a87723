/** @module identity/identity-unit: builds the identity service from its parts (its composition root) */
import { join } from 'node:path'
import type { Clock } from '../core/clock/index.js'
import { migrateToLatest, openServiceDatabase, type DatabaseLocation } from '../core/db/index.js'
import { renderIdentityFault } from '../core/faults/index.js'
import type { ServiceMount } from '../core/http/index.js'
import type { IdSource } from '../core/ids/index.js'
import type { Logger } from '../core/log/index.js'
import { createPolicyEnforcer } from '../core/policy/index.js'
import { startPeriodic } from '../core/tasks/index.js'
import type { TokenValidator } from '../core/auth/index.js'
import { identityPolicyDefaults } from './api/policy.js'
import { identityRoutes, rootVersionRoutes } from './api/routes.js'
import type { IdentityConfig } from './config.js'
import { identityMigrations } from './db/migrations/index.js'
import type { IdentityDatabase } from './db/schema.js'
import {
  bootstrapIdentity,
  ensureServiceUser,
  registerService,
  type ServiceRegistration,
} from './service/bootstrap.js'
import { createIdentityState, type IdentityContext } from './service/context.js'
import { refreshRevocations } from './service/revocations.js'
import { localTokenValidator } from './service/tokens.js'
import { openKeyRepository } from './tokens/key-repository.js'

/** Largest identity request body, as Keystone's `max_request_body_size`. */
const IDENTITY_BODY_LIMIT = 114_688

export interface IdentityUnitOptions {
  dataDir: string
  database: DatabaseLocation
  config: Readonly<IdentityConfig>
  region: string
  adminPassword: string
  logger: Logger
  clock: Clock
  ids: IdSource
  policyOverrides?: Record<string, string>
}

/** A running identity service. */
export interface IdentityUnit {
  ctx: IdentityContext
  tokens: TokenValidator
  /** Mounts for the listener: `/v3` + `/identity/v3`, and version discovery at `/` + `/identity`. */
  mounts: ServiceMount[]
  register(reg: Omit<ServiceRegistration, 'region'>): Promise<void>
  /** Ensures the user `name` exists in the service project with the service and admin roles. */
  ensureServiceUser(name: string, password: string): Promise<string>
  close(): Promise<void>
}

/** The folder of the token key repository, for `nimbus identity rotate-keys`. */
export function tokenKeyDir(dataDir: string): string {
  return join(dataDir, 'identity', 'fernet-keys')
}

export async function createIdentityUnit(options: IdentityUnitOptions): Promise<IdentityUnit> {
  const database = await openServiceDatabase<IdentityDatabase>(options.database, 'identity')
  await migrateToLatest(database.db as never, identityMigrations)
  const ctx: IdentityContext = {
    db: database.db,
    clock: options.clock,
    ids: options.ids,
    config: options.config,
    tokenKeys: openKeyRepository(tokenKeyDir(options.dataDir), options.config.maxActiveKeys),
    credentialKeys: openKeyRepository(
      join(options.dataDir, 'identity', 'credential-keys'),
      options.config.maxActiveKeys,
    ),
    state: createIdentityState(),
    logger: options.logger.child({ service: 'identity' }),
    region: options.region,
  }
  await refreshRevocations(ctx)
  await bootstrapIdentity(ctx, { adminPassword: options.adminPassword })
  const stop = new AbortController()
  startPeriodic(
    async () => {
      ctx.tokenKeys.reload()
      await refreshRevocations(ctx)
    },
    {
      intervalMs: 5_000,
      signal: stop.signal,
      onError: (error) => ctx.logger.warn({ err: error }, 'revocation refresh failed'),
    },
  )
  const tokens = localTokenValidator(ctx)
  const policy = createPolicyEnforcer({
    defaults: identityPolicyDefaults,
    ...(options.policyOverrides ? { overrides: options.policyOverrides } : {}),
  })
  const common = {
    faults: renderIdentityFault,
    logger: options.logger,
    tokens,
    policy,
    bodyLimit: IDENTITY_BODY_LIMIT,
  }
  return {
    ctx,
    tokens,
    mounts: [
      {
        ...common,
        name: 'identity',
        prefixes: ['/v3', '/identity/v3'],
        routes: identityRoutes(ctx),
      },
      {
        ...common,
        name: 'identity-versions',
        prefixes: ['', '/identity'],
        routes: rootVersionRoutes(),
      },
    ],
    register: (reg) => registerService(ctx, { ...reg, region: options.region }),
    ensureServiceUser: (name, password) => ensureServiceUser(ctx, name, password),
    async close() {
      stop.abort()
      await database.close()
    },
  }
}
