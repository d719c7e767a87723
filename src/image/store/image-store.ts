/** @module image/store/image-store: the contract every image data store implements */
import type { Readable } from 'node:stream'

/** Where a store put some data and how much it wrote. */
export interface StoredData {
  /** Store-specific key to read or delete the data later. */
  location: string
  size: number
}

/** An inclusive byte range, as in `Range: bytes=start-end`. */
export interface ByteRange {
  start: number
  end: number
}

/**
 * Keeps image bytes. Implementations stream: they never hold a whole image in memory (the fake
 * excepted), and they are safe to call concurrently for different keys.
 */
export interface ImageStore {
  /** Store id as listed by `GET /v2/info/stores` (`file`). */
  readonly id: string
  /** One line for `GET /v2/info/stores`. */
  readonly description: string
  /**
   * Writes every byte of `data` under `key` and resolves once they are durable.
   * Must reject, leaving nothing readable under `key`, when `data` errors or ends early, or when
   * `signal` aborts. Must reject when `key` already holds data; must not overwrite it.
   * `key` is an image id: letters, digits, `-` and `_` only.
   */
  put(key: string, data: Readable, signal?: AbortSignal): Promise<StoredData>
  /**
   * Streams the data at `location`, or only `range` of it.
   * @throws StoreDataMissingError when nothing is stored there.
   */
  get(location: string, range?: ByteRange): Promise<Readable>
  /** The size of the data at `location`, or undefined when nothing is stored there. */
  size(location: string): Promise<number | undefined>
  /** Removes the data at `location`. Idempotent: removing missing data succeeds. */
  delete(location: string): Promise<void>
}

/** The data a location points to is gone. */
export class StoreDataMissingError extends Error {
  constructor(location: string) {
    super(`no data at ${location}`)
    this.name = 'StoreDataMissingError'
  }
}

/** A key a store refuses (empty, or with characters other than letters, digits, `-`, `_`). */
export class StoreKeyError extends Error {
  constructor(key: string) {
    super(`invalid store key ${JSON.stringify(key)}`)
    this.name = 'StoreKeyError'
  }
}

const KEY = /^[A-Za-z0-9_-]{1,128}$/

/** Throws StoreKeyError unless `key` is safe as a file name. */
export function checkStoreKey(key: string): void {
  if (!KEY.test(key)) throw new StoreKeyError(key)
}
