/** @module object-storage/proxy/replicated-objects: writes to every replica, reads the newest */
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { QuorumError, SwiftError } from '../errors.js'
import type {
  DiskFileStore,
  DiskFileWriter,
  ObjectMetadata,
  ObjectState,
} from '../storage/disk-file.js'
import { releasePassedBuffers } from '../../core/sys/young-generation.js'
import { currentStamp } from '../storage/file-disk-file.js'
import type { ProxyContext } from './context.js'
import type { ContainerUpdate } from '../storage/async-pending.js'
import { updateContainers } from './container-updates.js'

/** Where a readable copy lives. */
export interface ObjectSource {
  store: DiskFileStore
  partition: number
  hash: string
  dataTimestamp: string
  /** The whole data when it came with the metadata: served without opening the file again. */
  body?: Buffer
}

/** The newest live version of an object, or undefined (missing, deleted). */
export interface StoredObject {
  metadata: ObjectMetadata
  source: ObjectSource
}

/** How {@link readObject} consults the replicas. */
export interface ReadOptions {
  /**
   * Keep a small object's bytes, read along with its metadata, with the source (a GET serves them
   * at once). Without, they are dropped so that long segment lists do not hold them.
   */
  keepBody?: boolean
  /**
   * Serve the first replica that holds data, as Swift's proxy serves the first node that answers
   * (a replica a failed write left behind may be older until the replicator runs). Otherwise, and
   * whenever the first replica holds no data, every replica is read and the newest state wins
   * (last write wins by X-Timestamp), as with Swift's `X-Newest`.
   */
  firstFound?: boolean
}

async function readReplica(store: DiskFileStore, partition: number, hash: string) {
  return { store, state: await store.read(partition, hash).catch(() => undefined) }
}

/** The newest live version of an object among its replicas, or undefined (missing, deleted). */
export async function readObject(
  ctx: ProxyContext,
  path: { account: string; container: string; object: string },
  options: ReadOptions = {},
): Promise<StoredObject | undefined> {
  const place = ctx.cluster.objectPlace(path.account, path.container, path.object)
  const [first, ...others] = place.stores
  let states: { store: DiskFileStore; state: ObjectState | undefined }[] = []
  if (options.firstFound && first) {
    const found = await readReplica(first.store, place.partition, place.hash)
    if (found.state?.kind === 'data') states = [found]
    else
      states = [
        found,
        ...(await Promise.all(
          others.map((o) => readReplica(o.store, place.partition, place.hash)),
        )),
      ]
  } else {
    states = await Promise.all(
      place.stores.map((o) => readReplica(o.store, place.partition, place.hash)),
    )
  }
  let best: { state: ObjectState; store: DiskFileStore } | undefined
  for (const { store, state } of states) {
    if (state && (!best || currentStamp(state) > currentStamp(best.state))) best = { state, store }
  }
  if (!best || best.state.kind !== 'data') return undefined
  return {
    metadata: best.state.metadata,
    source: {
      store: best.store,
      partition: place.partition,
      hash: place.hash,
      dataTimestamp: best.state.dataTimestamp,
      ...(options.keepBody && best.state.body ? { body: best.state.body } : {}),
    },
  }
}

/** Opens `start..end` (inclusive) of a stored copy. */
export async function openRange(
  source: ObjectSource,
  start: number,
  end: number,
): Promise<Readable> {
  if (source.body && end < source.body.length)
    return Readable.from([source.body.subarray(start, end + 1)], { objectMode: false })
  return source.store.open(source.partition, source.hash, {
    dataTimestamp: source.dataTimestamp,
    start,
    end,
  })
}

/** What a write needs besides the bytes. */
export interface WriteOptions {
  account: string
  container: string
  object: string
  timestamp: string
  contentType: string
  headers: Record<string, string>
  /** Content-Length when sent; a body of another length is refused. */
  length?: number
  /** The client's ETag; a mismatch is 422. */
  etag?: string
  /** Size and etag to list in the container instead of the bytes' own (large object manifests). */
  listing?: { size: number; etag: string }
}

/** Streams `body` to every replica, commits at a quorum, then updates the container listing. */
export async function writeObject(
  ctx: ProxyContext,
  body: AsyncIterable<Buffer | string>,
  options: WriteOptions,
): Promise<ObjectMetadata> {
  const place = ctx.cluster.objectPlace(options.account, options.container, options.object)
  let writers: DiskFileWriter[] = (
    await Promise.all(
      place.stores.map(({ store }) =>
        store.createWriter(place.partition, place.hash).catch(() => undefined),
      ),
    )
  ).filter((w): w is DiskFileWriter => w !== undefined)
  if (writers.length < ctx.cluster.quorum) throw new QuorumError('write')
  const md5 = createHash('md5')
  let size = 0
  try {
    for await (const piece of body) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece
      size += chunk.length
      if (size > ctx.config.maxFileSize) throw new SwiftError(413)
      if (options.length !== undefined && size > options.length)
        throw new SwiftError(400, 'Body longer than Content-Length')
      md5.update(chunk)
      const results = await Promise.allSettled(writers.map((w) => w.write(chunk)))
      writers = writers.filter((_, i) => results[i]?.status === 'fulfilled')
      if (writers.length < ctx.cluster.quorum) throw new QuorumError('write')
      releasePassedBuffers(chunk.length)
    }
    if (options.length !== undefined && size < options.length)
      throw new SwiftError(499, 'Client disconnected before sending the whole body')
    const etag = md5.digest('hex')
    if (options.etag !== undefined && options.etag.replace(/"/g, '').toLowerCase() !== etag)
      throw new SwiftError(422)
    const metadata: ObjectMetadata = {
      name: `/${options.account}/${options.container}/${options.object}`,
      timestamp: options.timestamp,
      contentType: options.contentType,
      etag,
      size,
      headers: options.headers,
    }
    const committed = await Promise.allSettled(writers.map((w) => w.commit(metadata)))
    if (committed.filter((r) => r.status === 'fulfilled').length < ctx.cluster.quorum)
      throw new QuorumError('write')
    await recordObject(ctx, options, {
      size: options.listing?.size ?? size,
      etag: options.listing?.etag ?? etag,
      deleted: false,
    })
    return metadata
  } catch (error) {
    await Promise.allSettled(writers.map((w) => w.abort()))
    throw error
  }
}

interface ListingBatch {
  updates: ContainerUpdate[]
  waiters: { resolve: () => void; reject: (error: unknown) => void }[]
}

/** Listing rows waiting for the next turn of the event loop, by context and container. */
const listingBatches = new WeakMap<ProxyContext, Map<string, ListingBatch>>()

/**
 * Records an object row in its container's listing. Rows of writes that finish in the same turn
 * of the event loop go to each database in one transaction (group commit of the listing); a
 * replica that fails leaves every row of the batch as an async pending.
 */
function recordObject(
  ctx: ProxyContext,
  options: Pick<WriteOptions, 'account' | 'container' | 'object' | 'timestamp' | 'contentType'>,
  row: { size: number; etag: string; deleted: boolean },
): Promise<void> {
  let queue = listingBatches.get(ctx)
  if (!queue) {
    queue = new Map()
    listingBatches.set(ctx, queue)
  }
  const key = JSON.stringify([options.account, options.container])
  let batch = queue.get(key)
  if (!batch) {
    const fresh: ListingBatch = { updates: [], waiters: [] }
    const pending = queue
    pending.set(key, fresh)
    setImmediate(() => {
      pending.delete(key)
      applyListingBatch(ctx, fresh)
    })
    batch = fresh
  }
  batch.updates.push({
    account: options.account,
    container: options.container,
    object: options.object,
    createdAt: options.timestamp,
    contentType: options.contentType,
    ...row,
  })
  const waiters = batch.waiters
  return new Promise((resolve, reject) => waiters.push({ resolve, reject }))
}

function applyListingBatch(ctx: ProxyContext, batch: ListingBatch): void {
  let results: Promise<void>[]
  try {
    results = updateContainers(ctx, batch.updates)
  } catch (error) {
    results = batch.updates.map(() => Promise.reject(error))
  }
  results.forEach((result, i) => {
    const waiter = batch.waiters[i]
    if (waiter) result.then(waiter.resolve, waiter.reject)
  })
}

/** Writes a tombstone on every replica and removes the object from the listing. */
export async function deleteObject(
  ctx: ProxyContext,
  path: { account: string; container: string; object: string },
  timestamp: string,
): Promise<void> {
  const place = ctx.cluster.objectPlace(path.account, path.container, path.object)
  const name = `/${path.account}/${path.container}/${path.object}`
  const results = await Promise.allSettled(
    place.stores.map(({ store }) => store.delete(place.partition, place.hash, { timestamp, name })),
  )
  if (results.filter((r) => r.status === 'fulfilled').length < ctx.cluster.quorum)
    throw new QuorumError('delete')
  await recordObject(
    ctx,
    { ...path, timestamp, contentType: '' },
    { size: 0, etag: '', deleted: true },
  )
}

/** Replaces an object's user headers on every replica (fast POST). */
export async function postObject(
  ctx: ProxyContext,
  path: { account: string; container: string; object: string },
  update: { timestamp: string; headers: Record<string, string> },
): Promise<void> {
  const place = ctx.cluster.objectPlace(path.account, path.container, path.object)
  const results = await Promise.allSettled(
    place.stores.map(({ store }) => store.post(place.partition, place.hash, update)),
  )
  if (results.filter((r) => r.status === 'fulfilled').length < ctx.cluster.quorum)
    throw new QuorumError('update')
}
