/** @module image/image-unit: builds the image service from its parts (its composition root) */
import { join } from 'node:path'
import type { TokenValidator } from '../core/auth/index.js'
import type { Clock } from '../core/clock/index.js'
import { migrateToLatest, openServiceDatabase, type DatabaseLocation } from '../core/db/index.js'
import { renderImageFault } from '../core/faults/index.js'
import type { ServiceMount } from '../core/http/index.js'
import type { IdSource } from '../core/ids/index.js'
import type { Logger } from '../core/log/index.js'
import { createPolicyEnforcer } from '../core/policy/index.js'
import { configureImageScope } from './api/content-types.js'
import { imagePolicyDefaults } from './api/policy.js'
import { imageRoutes, versionRoutes } from './api/routes.js'
import type { ImageConfig } from './config.js'
import { imageMigrations } from './db/migrations/index.js'
import type { ImageDatabase } from './db/schema.js'
import { createBackgroundWork, type ImageContext } from './service/context.js'
import { createHashPool } from './service/hash-pool.js'
import { registerDefaultImages } from './service/default-images.js'
import { recoverInterruptedImages } from './service/recovery.js'
import { createFileStore } from './store/file-store.js'
import type { ImageStore } from './store/image-store.js'
import { imageStoreRegistry } from './store/store-registry.js'

/** Path of the image API on the listener. */
export const IMAGE_PATH = '/image'

/** Largest JSON body of the image API (Glance's max_request_body_size). */
const IMAGE_BODY_LIMIT = 114_688

export interface ImageUnitOptions {
  dataDir: string
  database: DatabaseLocation
  config: Readonly<ImageConfig>
  logger: Logger
  clock: Clock
  ids: IdSource
  tokens: TokenValidator
  policyOverrides?: Record<string, string>
  /** A store to use instead of the configured one (tests). */
  store?: ImageStore
}

/** A running image service. */
export interface ImageUnit {
  ctx: ImageContext
  mounts: ServiceMount[]
  close(): Promise<void>
}

export async function createImageUnit(options: ImageUnitOptions): Promise<ImageUnit> {
  const database = await openServiceDatabase<ImageDatabase>(options.database, 'image')
  await migrateToLatest(database.db as never, imageMigrations)
  const logger = options.logger.child({ service: 'image' })
  const storeDir = options.config.fileStoreDir || join(options.dataDir, 'images')
  const store = options.store ?? (await imageStoreRegistry[options.config.store]({ dir: storeDir }))
  const ctx: ImageContext = {
    db: database.db,
    clock: options.clock,
    ids: options.ids,
    config: options.config,
    store,
    staging: await createFileStore({
      dir: join(storeDir, 'staging'),
      id: 'staging',
      description: 'Data staged for import',
    }),
    logger,
    background: createBackgroundWork(logger),
    hashing: createHashPool(),
  }
  await recoverInterruptedImages(ctx)
  const defaultsDir = options.config.defaultImagesDir || join(options.dataDir, 'default-images')
  ctx.background.run('default images', async () => {
    await registerDefaultImages(ctx, defaultsDir)
  })
  const policy = createPolicyEnforcer({
    defaults: imagePolicyDefaults,
    ...(options.policyOverrides ? { overrides: options.policyOverrides } : {}),
  })
  return {
    ctx,
    mounts: [
      {
        name: 'image',
        prefixes: [IMAGE_PATH],
        routes: [...versionRoutes(IMAGE_PATH), ...imageRoutes(ctx)],
        faults: renderImageFault,
        logger: options.logger,
        tokens: options.tokens,
        policy,
        bodyLimit: IMAGE_BODY_LIMIT,
        configure: configureImageScope,
      },
    ],
    async close() {
      await ctx.background.drain()
      await ctx.hashing.close()
      await database.close()
    },
  }
}

/** What the composition root gives every unit (a structural subset of deploy's UnitEnv). */
export interface ImageUnitEnv {
  config: { dataDir: string; image: Readonly<ImageConfig> }
  database: DatabaseLocation
  logger: Logger
  clock: Clock
  ids: IdSource
  tokens: TokenValidator
  policyOverrides?: Record<string, string>
}

/** Starts the image service as a unit of the all-in-one, with its catalog entry. */
export async function startImageUnit(env: ImageUnitEnv) {
  const unit = await createImageUnit({
    dataDir: env.config.dataDir,
    database: env.database,
    config: env.config.image,
    logger: env.logger,
    clock: env.clock,
    ids: env.ids,
    tokens: env.tokens,
    ...(env.policyOverrides ? { policyOverrides: env.policyOverrides } : {}),
  })
  return {
    name: 'image',
    mounts: unit.mounts,
    catalog: [{ type: 'image', name: 'glance', description: 'Image', path: IMAGE_PATH }],
    close: () => unit.close(),
  }
}
