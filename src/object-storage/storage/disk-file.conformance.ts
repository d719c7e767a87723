/** @module object-storage/storage/disk-file.conformance: what every DiskFileStore must do */
import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { DiskFileStore, ObjectMetadata } from './disk-file.js'

function meta(timestamp: string, size: number): ObjectMetadata {
  return { name: '/a/c/o', timestamp, contentType: 'text/plain', etag: 'e', size, headers: {} }
}

async function write(store: DiskFileStore, timestamp: string, text: string) {
  const writer = await store.createWriter(1, 'h')
  await writer.write(Buffer.from(text))
  await writer.commit(meta(timestamp, text.length))
}

async function readText(store: DiskFileStore, dataTimestamp: string, end: number) {
  const chunks: Buffer[] = []
  for await (const chunk of await store.open(1, 'h', { dataTimestamp, start: 0, end }))
    chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString()
}

/** Runs the contract's checks against stores made by `make`. */
export function describeDiskFileConformance(name: string, make: () => Promise<DiskFileStore>) {
  describe(`DiskFileStore conformance: ${name}`, () => {
    it('shows nothing before commit and the bytes after', async () => {
      const store = await make()
      const writer = await store.createWriter(1, 'h')
      await writer.write(Buffer.from('abc'))
      expect(await store.read(1, 'h')).toBeUndefined()
      await writer.commit(meta('0000000010.00000', 3))
      const state = await store.read(1, 'h')
      expect(state?.kind).toBe('data')
      expect(await readText(store, '0000000010.00000', 2)).toBe('abc')
    })

    it('lets the newest timestamp win whatever the arrival order', async () => {
      const store = await make()
      await write(store, '0000000020.00000', 'new')
      await write(store, '0000000010.00000', 'old')
      const state = await store.read(1, 'h')
      expect(state?.kind === 'data' && state.dataTimestamp).toBe('0000000020.00000')
      await store.delete(1, 'h', { timestamp: '0000000015.00000', name: '/a/c/o' })
      expect((await store.read(1, 'h'))?.kind).toBe('data')
      await store.delete(1, 'h', { timestamp: '0000000030.00000', name: '/a/c/o' })
      expect((await store.read(1, 'h'))?.kind).toBe('tombstone')
    })

    it('applies a newer metadata update and ignores an older one', async () => {
      const store = await make()
      await write(store, '0000000010.00000', 'x')
      await store.post(1, 'h', {
        timestamp: '0000000011.00000',
        headers: { 'x-object-meta-a': '1' },
      })
      await store.post(1, 'h', {
        timestamp: '0000000005.00000',
        headers: { 'x-object-meta-a': '0' },
      })
      const state = await store.read(1, 'h')
      expect(state?.kind === 'data' && state.metadata.headers).toEqual({ 'x-object-meta-a': '1' })
    })

    it('keeps every byte of an object written in many pieces, and drops a large aborted one', async () => {
      const store = await make()
      const piece = randomBytes(1024 * 1024 + 17)
      const count = 40
      const writer = await store.createWriter(1, 'h')
      for (let i = 0; i < count; i++) await writer.write(piece)
      await writer.commit(meta('0000000010.00000', piece.length * count))
      const chunks: Buffer[] = []
      const end = piece.length * count - 1
      const stream = await store.open(1, 'h', { dataTimestamp: '0000000010.00000', start: 0, end })
      for await (const chunk of stream) chunks.push(chunk as Buffer)
      const expected = createHash('sha256')
      for (let i = 0; i < count; i++) expected.update(piece)
      const got = createHash('sha256').update(Buffer.concat(chunks)).digest('hex')
      expect(got).toBe(expected.digest('hex'))

      const aborted = await store.createWriter(1, 'h')
      for (let i = 0; i < count; i++) await aborted.write(piece)
      await aborted.abort()
      const state = await store.read(1, 'h')
      expect(state?.kind === 'data' && state.dataTimestamp).toBe('0000000010.00000')
    })

    it('drops an aborted upload', async () => {
      const store = await make()
      const writer = await store.createWriter(1, 'h')
      await writer.write(Buffer.from('partial'))
      await writer.abort()
      expect(await store.read(1, 'h')).toBeUndefined()
    })
  })
}
