/** @module image/service/image-digest: hashes, counts and caps image bytes as they stream past */
import { createHash, type Hash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'
import { ImageQuotaExceededError } from '../errors.js'

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
 * A pass-through stream computing MD5 and SHA-512 and failing with a 413 as soon as more than
 * `maxBytes` (when not negative) have passed.
 */
export class ImageDigest extends Transform {
  private readonly md5: Hash = createHash('md5')
  private readonly sha512: Hash = createHash('sha512')
  private readonly headerChunks: Buffer[] = []
  private headerLength = 0
  private bytes = 0

  constructor(
    private readonly maxBytes: number,
    private readonly overLimitMessage: string,
  ) {
    super({ highWaterMark: 1024 * 1024 })
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length
    if (this.maxBytes >= 0 && this.bytes > this.maxBytes) {
      done(new ImageQuotaExceededError(this.overLimitMessage))
      return
    }
    this.md5.update(chunk)
    this.sha512.update(chunk)
    if (this.headerLength < HEADER_BYTES) {
      this.headerChunks.push(chunk.subarray(0, HEADER_BYTES - this.headerLength))
      this.headerLength += Math.min(chunk.length, HEADER_BYTES - this.headerLength)
    }
    done(null, chunk)
  }

  /** Call once the stream has ended. */
  result(): DigestResult {
    return {
      size: this.bytes,
      checksum: this.md5.digest('hex'),
      osHashAlgo: 'sha512',
      osHashValue: this.sha512.digest('hex'),
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
