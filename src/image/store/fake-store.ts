/** @module image/store/fake-store: an in-memory image store for tests and the API conformance runs */
import { Readable } from 'node:stream'
import {
  checkStoreKey,
  StoreDataMissingError,
  type ByteRange,
  type ImageStore,
  type StoredData,
} from './image-store.js'

/** A store keeping every image in memory; data appears under its key only once complete. */
export function createFakeStore(id = 'fake'): ImageStore & { keys(): string[] } {
  const blobs = new Map<string, Buffer>()
  return {
    id,
    description: 'In-memory store (testing only)',
    async put(key: string, data: Readable, signal?: AbortSignal): Promise<StoredData> {
      checkStoreKey(key)
      if (blobs.has(key)) throw new Error(`data already stored under ${key}`)
      const chunks: Buffer[] = []
      for await (const chunk of data) {
        signal?.throwIfAborted()
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array))
      }
      signal?.throwIfAborted()
      if (blobs.has(key)) throw new Error(`data already stored under ${key}`)
      const blob = Buffer.concat(chunks)
      blobs.set(key, blob)
      return { location: key, size: blob.length }
    },
    async get(location: string, range?: ByteRange): Promise<Readable> {
      const blob = blobs.get(location)
      if (!blob) throw new StoreDataMissingError(location)
      const part = range ? blob.subarray(range.start, range.end + 1) : blob
      return Readable.from([part])
    },
    async size(location: string): Promise<number | undefined> {
      return blobs.get(location)?.length
    },
    async delete(location: string): Promise<void> {
      blobs.delete(location)
    },
    keys: () => [...blobs.keys()],
  }
}
