/** @module image/service/hash-pool.test: hashes on shared worker threads */
import { createHash, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createHashPool, type HashPool } from './hash-pool.js'

let pool: HashPool | undefined

afterEach(async () => {
  await pool?.close()
  pool = undefined
})

function shared(data: Buffer): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(data.length + 7)
  data.copy(new Uint8Array(buffer))
  return buffer
}

const hex = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('hex')

describe('createHashPool', () => {
  it('keeps interleaved hashes apart, more of them than workers, each in order', async () => {
    pool = createHashPool(2)
    const hashes = ['md5', 'sha512', 'md5'].map((algorithm) => ({
      algorithm,
      hash: (pool as HashPool).open(algorithm),
      parts: [randomBytes(1000), randomBytes(70_000), randomBytes(3)],
    }))
    for (let i = 0; i < 3; i++) {
      await Promise.all(
        hashes.map((h) =>
          h.hash.update(shared(h.parts[i] ?? Buffer.alloc(0)), h.parts[i]?.length ?? 0),
        ),
      )
    }
    for (const h of hashes) {
      expect(await h.hash.digest()).toBe(hex(h.algorithm, Buffer.concat(h.parts)))
    }
  })

  it('rejects the updates of an unknown algorithm and keeps serving other hashes', async () => {
    pool = createHashPool(1)
    const bad = pool.open('no-such-hash')
    await expect(bad.update(shared(Buffer.from('x')), 1)).rejects.toThrow(/hash worker/)
    const good = pool.open('sha512')
    await good.update(shared(Buffer.from('abc')), 3)
    expect(await good.digest()).toBe(hex('sha512', Buffer.from('abc')))
  })

  it('rejects calls on a destroyed hash and on hashes of a closed pool', async () => {
    pool = createHashPool(1)
    const destroyed = pool.open('md5')
    destroyed.destroy()
    await expect(destroyed.update(new SharedArrayBuffer(8), 8)).rejects.toThrow(/stopped/)
    const open = pool.open('md5')
    await open.update(shared(Buffer.from('a')), 1)
    await pool.close()
    await expect(open.digest()).rejects.toThrow(/closed/)
  })
})
