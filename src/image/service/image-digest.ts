/** @module image/service/image-digest: hashes, counts and caps image bytes as they stream past */
import { createHash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'
import { releasePassedBuffers } from '../../core/sys/young-generation.js'
import { ImageQuotaExceededError } from '../errors.js'
import type { HashPool, PooledHash } from './hash-pool.js'

/** What a finished digest learned about the data. */
export interface DigestResult {
  size: number
  /** MD5, hex (Glance's `checksum`). */
  checksum: string
  osHashAlgo: 'sha512'
  osHashValue: string
  /** The first bytes, for format inspection. */
  header: Buffer
}

const HEADER_BYTES = 512
/**
 * Bytes gathered before they are hashed: one worker message per slab. 4 MiB rather than 1 MiB:
 * a quarter of the messages, each of which can stall the main thread while a worker waits for a
 * core on a busy machine.
 */
export const DIGEST_SLAB_BYTES = 4 * 1024 * 1024
/** Slabs being hashed at once; the stream waits beyond that. */
const MAX_SLABS_IN_FLIGHT = 3

/** The two hashes on the pool's workers, opened once the data outgrows one slab. */
interface Hashers {
  md5: PooledHash
  sha512: PooledHash
}

/**
 * A pass-through stream computing MD5 and SHA-512 and failing with a 413 as soon as more than
 * `maxBytes` (when not negative) have passed. Chunks flow on untouched; a copy is gathered into
 * 4 MiB shared slabs hashed on two worker threads, so hashing runs beside the store's write
 * instead of on the main thread. Slabs are reused: at most four (16 MiB) exist, and the stream
 * waits when all are busy. Data smaller than one slab is hashed inline, without workers.
 */
export class ImageDigest extends Transform {
  private readonly headerChunks: Buffer[] = []
  private headerLength = 0
  private bytes = 0
  private readonly freeSlabs: SharedArrayBuffer[] = []
  private slab: SharedArrayBuffer | undefined
  private slabLength = 0
  private slabCount = 0
  private hashers: Hashers | undefined
  private readonly inFlight: Promise<void>[] = []
  private digests: { checksum: string; osHashValue: string } | undefined

  private readonly pool: HashPool
  private readonly maxBytes: number
  private readonly overLimitMessage: string

  constructor(options: { pool: HashPool; maxBytes: number; overLimitMessage: string }) {
    super({ highWaterMark: 1024 * 1024 })
    this.pool = options.pool
    this.maxBytes = options.maxBytes
    this.overLimitMessage = options.overLimitMessage
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length
    releasePassedBuffers(chunk.length)
    if (this.maxBytes >= 0 && this.bytes > this.maxBytes) {
      done(new ImageQuotaExceededError(this.overLimitMessage))
      return
    }
    if (this.headerLength < HEADER_BYTES) {
      this.headerChunks.push(Buffer.from(chunk.subarray(0, HEADER_BYTES - this.headerLength)))
      this.headerLength += Math.min(chunk.length, HEADER_BYTES - this.headerLength)
    }
    const waiting = this.gather(chunk)
    if (!waiting) {
      done(null, chunk)
      return
    }
    waiting.then(
      () => done(null, chunk),
      (error: unknown) => done(error as Error),
    )
  }

  override _flush(done: TransformCallback): void {
    this.finish().then(() => done(), done)
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.hashers?.md5.destroy()
    this.hashers?.sha512.destroy()
    done(error)
  }

  /**
   * Copies `chunk` into slabs, handing each full one to the hashers. Returns a promise only
   * when it had to wait for a free slab: most chunks are gathered without one.
   */
  private gather(chunk: Buffer, from = 0): Promise<void> | undefined {
    let offset = from
    while (offset < chunk.length) {
      if (!this.slab) {
        const free = this.freeSlabs.pop()
        if (free) this.slab = free
        else if (this.slabCount <= MAX_SLABS_IN_FLIGHT) {
          this.slabCount += 1
          this.slab = new SharedArrayBuffer(DIGEST_SLAB_BYTES)
        } else {
          const resume = offset
          return this.nextSlab().then((slab) => {
            this.slab = slab
            return this.gather(chunk, resume)
          })
        }
      }
      const slab = this.slab
      const copied = chunk.copy(new Uint8Array(slab), this.slabLength, offset)
      offset += copied
      this.slabLength += copied
      if (this.slabLength === DIGEST_SLAB_BYTES) this.dispatch(slab)
    }
    return undefined
  }

  private async nextSlab(): Promise<SharedArrayBuffer> {
    while (this.freeSlabs.length === 0 && this.slabCount > MAX_SLABS_IN_FLIGHT) {
      await this.inFlight[0]
    }
    const free = this.freeSlabs.pop()
    if (free) return free
    this.slabCount += 1
    return new SharedArrayBuffer(DIGEST_SLAB_BYTES)
  }

  /** Hands `slab` to the hashers; it returns to the free list once both have read it. */
  private dispatch(slab: SharedArrayBuffer): void {
    const length = this.slabLength
    this.slab = undefined
    this.slabLength = 0
    this.hashers ??= { md5: this.pool.open('md5'), sha512: this.pool.open('sha512') }
    const { md5, sha512 } = this.hashers
    const hashed = Promise.all([md5.update(slab, length), sha512.update(slab, length)]).then(() => {
      this.inFlight.splice(this.inFlight.indexOf(hashed), 1)
      this.freeSlabs.push(slab)
    })
    // A failure surfaces through the next wait or the flush; never unhandled.
    hashed.catch(() => undefined)
    this.inFlight.push(hashed)
  }

  private async finish(): Promise<void> {
    if (!this.hashers) {
      const data = this.slab ? new Uint8Array(this.slab, 0, this.slabLength) : new Uint8Array()
      this.digests = {
        checksum: createHash('md5').update(data).digest('hex'),
        osHashValue: createHash('sha512').update(data).digest('hex'),
      }
      return
    }
    if (this.slab && this.slabLength > 0) this.dispatch(this.slab)
    await Promise.all(this.inFlight)
    const { md5, sha512 } = this.hashers
    const [checksum, osHashValue] = await Promise.all([md5.digest(), sha512.digest()])
    this.digests = { checksum, osHashValue }
  }

  /** Call once the stream has ended. */
  result(): DigestResult {
    if (!this.digests) throw new Error('image digest read before the data ended')
    return {
      size: this.bytes,
      checksum: this.digests.checksum,
      osHashAlgo: 'sha512',
      osHashValue: this.digests.osHashValue,
      header: Buffer.concat(this.headerChunks),
    }
  }
}

const QCOW2_MAGIC = 0x514649fb

/**
 * The virtual size of an image: a qcow2 header's size field, the data size for raw, else null
 * (Glance's format inspector knows more formats).
 */
export function virtualSizeOf(
  diskFormat: string | null,
  header: Buffer,
  size: number,
): number | null {
  if (diskFormat === 'raw') return size
  if (diskFormat === 'qcow2' && header.length >= 32 && header.readUInt32BE(0) === QCOW2_MAGIC) {
    const virtual = header.readBigUInt64BE(24)
    return virtual <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(virtual) : null
  }
  return null
}
