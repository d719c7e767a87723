/** @module image/store/image-store.conformance: the behaviour every ImageStore must show */
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StoreDataMissingError, type ImageStore } from './image-store.js'

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function failingAfter(data: Buffer): Readable {
  let sent = false
  return new Readable({
    read() {
      if (sent) {
        this.destroy(new Error('client went away'))
        return
      }
      sent = true
      this.push(data)
    },
  })
}

/** Runs the contract's checks against stores made by `open` (and cleaned by `close`). */
export function describeImageStore(
  name: string,
  open: () => Promise<ImageStore>,
  close: () => Promise<void> = async () => undefined,
): void {
  describe(`${name} store conformance`, () => {
    let store: ImageStore

    beforeEach(async () => {
      store = await open()
    })

    afterEach(async () => {
      await close()
    })

    it('stores bytes and streams them back whole or by range', async () => {
      const data = randomBytes(3 * 1024 * 1024 + 17)
      const stored = await store.put('img-1', Readable.from([data]))
      expect(stored.size).toBe(data.length)
      expect(await store.size(stored.location)).toBe(data.length)
      expect((await readAll(await store.get(stored.location))).equals(data)).toBe(true)
      const part = await readAll(await store.get(stored.location, { start: 5, end: 9 }))
      expect(part.equals(data.subarray(5, 10))).toBe(true)
    })

    it('keeps nothing when the data stream fails part way', async () => {
      await expect(store.put('img-2', failingAfter(randomBytes(1000)))).rejects.toThrow()
      expect(await store.size('img-2')).toBeUndefined()
      await expect(store.get('img-2')).rejects.toBeInstanceOf(StoreDataMissingError)
    })

    it('refuses to overwrite existing data', async () => {
      await store.put('img-3', Readable.from([Buffer.from('one')]))
      await expect(store.put('img-3', Readable.from([Buffer.from('two')]))).rejects.toThrow()
      expect((await readAll(await store.get('img-3'))).toString()).toBe('one')
    })

    it('deletes idempotently', async () => {
      const stored = await store.put('img-4', Readable.from([Buffer.from('x')]))
      await store.delete(stored.location)
      await store.delete(stored.location)
      expect(await store.size(stored.location)).toBeUndefined()
    })

    it('refuses keys that are not safe file names', async () => {
      await expect(store.put('../evil', Readable.from([Buffer.from('x')]))).rejects.toThrow()
    })
  })
}
