/** @module image/service/image-digest.test: hashing, counting and capping streamed image bytes */
import { createHash, randomBytes } from 'node:crypto'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { ImageQuotaExceededError } from '../errors.js'
import { DIGEST_SLAB_BYTES, ImageDigest, virtualSizeOf } from './image-digest.js'
import { createHashPool } from './hash-pool.js'

const MIB = 1024 * 1024
const pool = createHashPool()

afterAll(async () => {
  await pool.close()
})

/** Splits `data` into chunks of the given sizes, cycling through them. */
function chunked(data: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = []
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length] ?? 1
    chunks.push(data.subarray(at, at + size))
    at += size
  }
  return chunks
}

/** Streams chunks through a digest; resolves what came out and what the digest saw. */
async function digestOf(chunks: Buffer[], maxBytes = -1) {
  const digest = new ImageDigest({ pool, maxBytes, overLimitMessage: 'too big' })
  const out: Buffer[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out.push(Buffer.from(chunk))
      done()
    },
  })
  await pipeline(Readable.from(chunks), digest, sink)
  return { output: Buffer.concat(out), result: digest.result() }
}

function hex(algorithm: string, data: Buffer): string {
  return createHash(algorithm).update(data).digest('hex')
}

describe('ImageDigest', () => {
  it('hashes data spanning several slabs on workers and passes every byte on unchanged', async () => {
    // More slabs than may be in flight at once, so the stream waits for the hashers too.
    const data = randomBytes(6 * DIGEST_SLAB_BYTES + 12_345)
    const { output, result } = await digestOf(chunked(data, [65_536, 1_000_003, 7, 2 * MIB]))
    expect(output.equals(data)).toBe(true)
    expect(result).toMatchObject({
      size: data.length,
      checksum: hex('md5', data),
      osHashAlgo: 'sha512',
      osHashValue: hex('sha512', data),
    })
    expect(result.header.equals(data.subarray(0, 512))).toBe(true)
  })

  it('hashes data smaller than one slab, and an empty stream, alike', async () => {
    const small = randomBytes(3000)
    const { result } = await digestOf(chunked(small, [100, 411]))
    expect(result.checksum).toBe(hex('md5', small))
    expect(result.osHashValue).toBe(hex('sha512', small))
    expect(result.header.equals(small.subarray(0, 512))).toBe(true)
    const empty = await digestOf([])
    expect(empty.result).toMatchObject({ size: 0, checksum: hex('md5', Buffer.alloc(0)) })
  })

  it('hashes data of exactly one slab', async () => {
    const data = randomBytes(DIGEST_SLAB_BYTES)
    const { result } = await digestOf([data])
    expect(result.checksum).toBe(hex('md5', data))
    expect(result.osHashValue).toBe(hex('sha512', data))
  })

  it('fails with a 413 quota error as soon as more than maxBytes pass', async () => {
    const data = randomBytes(3 * DIGEST_SLAB_BYTES)
    await expect(digestOf(chunked(data, [MIB]), 2 * DIGEST_SLAB_BYTES)).rejects.toBeInstanceOf(
      ImageQuotaExceededError,
    )
  })

  it('rejects reading the result before the data ended', () => {
    expect(() => new ImageDigest({ pool, maxBytes: -1, overLimitMessage: '' }).result()).toThrow(
      /before the data ended/,
    )
  })
})

describe('virtualSizeOf', () => {
  it('reads a qcow2 header size, takes the data size for raw, and knows no other format', () => {
    const header = Buffer.alloc(512)
    header.writeUInt32BE(0x514649fb, 0)
    header.writeBigUInt64BE(10n * 1024n ** 3n, 24)
    expect(virtualSizeOf('qcow2', header, 100)).toBe(10 * 1024 ** 3)
    expect(virtualSizeOf('raw', header, 100)).toBe(100)
    expect(virtualSizeOf('vmdk', header, 100)).toBeNull()
  })
})
