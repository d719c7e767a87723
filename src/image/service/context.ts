/** @module image/service/context: what every image use case is given, and who is calling */
import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock/index.js'
import type { IdSource } from '../../core/ids/index.js'
import type { Logger } from '../../core/log/index.js'
import type { ImageConfig } from '../config.js'
import type { ImageDatabase } from '../db/schema.js'
import type { ImageStore } from '../store/image-store.js'
import type { HashPool } from './hash-pool.js'

/** Background work (imports, default images) the unit waits for when it closes. */
export interface BackgroundWork {
  run(name: string, work: () => Promise<void>): void
  /** Resolves once every started piece of work has finished. */
  drain(): Promise<void>
}

/** The image service's dependencies, built once by the unit. */
export interface ImageContext {
  db: Kysely<ImageDatabase>
  clock: Clock
  ids: IdSource
  config: Readonly<ImageConfig>
  /** Where active images' data lives. */
  store: ImageStore
  /** Where `PUT /stage` puts data until it is imported. */
  staging: ImageStore
  logger: Logger
  background: BackgroundWork
  /** Worker threads computing the MD5 and SHA-512 of streamed image data. */
  hashing: HashPool
}

/** The caller, as the API layer established it from the token and policy. */
export interface ImageCaller {
  /** The project of a project-scoped token, else null. */
  projectId: string | null
  /** Passes `context_is_admin`: sees and may change every image. */
  isAdmin: boolean
  /** Passes `publicize_image`. */
  mayPublicize: boolean
  /** Passes `communitize_image`. */
  mayCommunitize: boolean
}

/** Runs background work, logging failures, and lets the owner wait for all of it. */
export function createBackgroundWork(logger: Logger): BackgroundWork {
  const running = new Set<Promise<void>>()
  return {
    run(name, work) {
      const promise = work()
        .catch((error: unknown) =>
          logger.error({ err: error, work: name }, 'background work failed'),
        )
        .finally(() => running.delete(promise))
      running.add(promise)
    },
    async drain() {
      while (running.size > 0) await Promise.allSettled([...running])
    },
  }
}

/** Timestamps are stored with milliseconds so that ordering by creation is stable. */
export function timestamp(ctx: Pick<ImageContext, 'clock'>): string {
  return new Date(ctx.clock.now()).toISOString()
}
