/** @module block-storage/service/context: what every block storage use case is given */
import type { Kysely } from 'kysely'
import type { ImageClient } from '../../clients/image-client.js'
import type { Clock } from '../../core/clock/index.js'
import type { IdSource } from '../../core/ids/index.js'
import type { Logger } from '../../core/log/index.js'
import type { BlockStorageConfig } from '../config.js'
import type { BlockStorageDatabase } from '../db/schema.js'
import type { VolumeAgentClient } from '../rpc/volume-rpc-clients.js'

/** Background work (backend operations) the unit waits for when it closes. */
export interface BackgroundWork {
  run(name: string, work: () => Promise<void>): void
  drain(): Promise<void>
}

/** The block storage service's dependencies, built once by the unit. */
export interface BlockStorageContext {
  db: Kysely<BlockStorageDatabase>
  clock: Clock
  ids: IdSource
  config: Readonly<BlockStorageConfig>
  logger: Logger
  agents: VolumeAgentClient
  /** The image service as the caller (visibility checks, image records). */
  imagesFor(token: string): ImageClient
  background: BackgroundWork
}

/** The caller, as the API layer established it from the token and policy. */
export interface Caller {
  requestId: string
  userId: string
  projectId: string
  isAdmin: boolean
  /** The caller's token, for calls on its behalf. */
  token: string
}

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

/** Cinder prints times with microseconds and no zone: `2026-01-01T00:00:00.123000`. */
export function timestamp(ctx: Pick<BlockStorageContext, 'clock'>): string {
  return new Date(ctx.clock.now()).toISOString()
}

/** The message of an error for a user: the cause without stack or internals. */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.length > 1000 ? `${text.slice(0, 1000)}...` : text
}
