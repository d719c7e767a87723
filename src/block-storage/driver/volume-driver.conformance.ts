/** @module block-storage/driver/volume-driver.conformance: what every volume driver must do */
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { VolumeDriver } from './volume-driver.js'

const GIB = 1024 ** 3

/** A recognisable 1 MiB pattern (seeded so two patterns differ). */
export function pattern(seed: number, size = 1024 * 1024): Buffer {
  const b = Buffer.alloc(size)
  for (let i = 0; i < size; i += 1) b[i] = (i * 31 + seed * 7 + (i >> 10)) % 251
  return b
}

/** The size of a volume's export, which is closed unread. */
async function exportSize(d: VolumeDriver, id: string): Promise<number> {
  const out = await d.copyVolumeToImage(id, 'raw')
  out.stream.destroy()
  return out.size
}

/** The first `n` bytes of a volume, read through the export path. */
export async function head(d: VolumeDriver, id: string, n: number): Promise<Buffer> {
  const out = await d.copyVolumeToImage(id, 'raw')
  const chunks: Buffer[] = []
  let got = 0
  for await (const chunk of out.stream) {
    chunks.push(chunk as Buffer)
    got += (chunk as Buffer).length
    if (got >= n) break
  }
  out.stream.destroy()
  return Buffer.concat(chunks).subarray(0, n)
}

async function fromPattern(d: VolumeDriver, id: string, data: Buffer, sizeGb = 1) {
  await d.copyImageToVolume({ id, sizeGb, format: 'raw', source: Readable.from([data]) })
}

/** Runs the suite against drivers `make` builds (a fresh, initialised one per test). */
export function volumeDriverConformance(
  name: string,
  make: () => Promise<VolumeDriver>,
  skips: Partial<Record<string, string>> = {},
): void {
  describe(`VolumeDriver conformance: ${name}`, () => {
    const test = (title: string, fn: (d: VolumeDriver) => Promise<void>) => {
      const reason = skips[title]
      if (reason) it.skip(`${title} (skipped: ${reason})`, () => undefined)
      else it(title, async () => fn(await make()), 30_000)
    }
    test('reports capacity and capabilities', async (d) => {
      const s = await d.stats()
      expect(s.totalGb).toBeGreaterThan(0)
      expect(s.freeGb).toBeLessThanOrEqual(s.totalGb)
      expect(d.capabilities().storageProtocol).not.toBe('')
    })
    test('creates a volume it then lists and counts', async (d) => {
      await d.createVolume({ id: 'v1', sizeGb: 1 })
      await d.createVolume({ id: 'v1', sizeGb: 1 })
      expect(await d.listVolumes()).toEqual(['v1'])
      expect((await d.stats()).provisionedGb).toBe(1)
    })
    test('refuses to recreate a volume with another size', async (d) => {
      await d.createVolume({ id: 'v1', sizeGb: 1 })
      await expect(d.createVolume({ id: 'v1', sizeGb: 2 })).rejects.toThrow(/another size/)
    })
    test('deletes idempotently', async (d) => {
      await d.createVolume({ id: 'v1', sizeGb: 1 })
      await d.deleteVolume('v1')
      await d.deleteVolume('v1')
      expect(await d.listVolumes()).toEqual([])
    })
    test('a new volume reads as zeros', async (d) => {
      await d.createVolume({ id: 'v1', sizeGb: 1 })
      expect((await head(d, 'v1', 4096)).equals(Buffer.alloc(4096))).toBe(true)
    })
    test('extends a volume and refuses to shrink it', async (d) => {
      await fromPattern(d, 'v1', pattern(1))
      await d.extendVolume('v1', 2)
      expect((await d.stats()).provisionedGb).toBe(2)
      expect(await exportSize(d, 'v1')).toBe(2 * GIB)
      expect((await head(d, 'v1', 1024 * 1024)).equals(pattern(1))).toBe(true)
      await expect(d.extendVolume('v1', 1)).rejects.toThrow(/shrink/)
    })
    test('copies an image into a volume byte for byte', async (d) => {
      await fromPattern(d, 'v1', pattern(2))
      const out = await d.copyVolumeToImage('v1', 'raw')
      out.stream.destroy()
      expect(out.size).toBe(GIB)
      expect((await head(d, 'v1', 1024 * 1024)).equals(pattern(2))).toBe(true)
    })
    test('a failed image copy leaves no volume behind', async (d) => {
      const bad = Readable.from([Buffer.from('not a qcow2 image')])
      await expect(
        d.copyImageToVolume({ id: 'v1', sizeGb: 1, format: 'qcow2', source: bad }),
      ).rejects.toThrow()
      expect(await d.listVolumes()).toEqual([])
    })
    test('snapshots keep the content a clone of them then holds', async (d) => {
      await fromPattern(d, 'v1', pattern(3))
      await d.createSnapshot({ id: 's1', volumeId: 'v1' })
      await d.createSnapshot({ id: 's1', volumeId: 'v1' })
      await d.createFromSnapshot({ id: 'v2', snapshotId: 's1', sizeGb: 2 })
      expect((await head(d, 'v2', 1024 * 1024)).equals(pattern(3))).toBe(true)
      expect(await exportSize(d, 'v2')).toBe(2 * GIB)
      expect((await head(d, 'v1', 1024 * 1024)).equals(pattern(3))).toBe(true)
    })
    test('deleting a snapshot keeps the volume and its clones intact', async (d) => {
      await fromPattern(d, 'v1', pattern(4))
      await d.createSnapshot({ id: 's1', volumeId: 'v1' })
      await d.createSnapshot({ id: 's2', volumeId: 'v1' })
      await d.createFromSnapshot({ id: 'v2', snapshotId: 's2', sizeGb: 1 })
      await d.deleteSnapshot('s1')
      await d.deleteSnapshot('s1')
      expect((await head(d, 'v1', 1024 * 1024)).equals(pattern(4))).toBe(true)
      await d.deleteSnapshot('s2')
      expect((await head(d, 'v1', 1024 * 1024)).equals(pattern(4))).toBe(true)
      expect((await head(d, 'v2', 1024 * 1024)).equals(pattern(4))).toBe(true)
      await d.deleteVolume('v1')
      expect((await head(d, 'v2', 1024 * 1024)).equals(pattern(4))).toBe(true)
    })
    test('clones a volume into an independent one', async (d) => {
      await fromPattern(d, 'v1', pattern(5))
      await d.cloneVolume({ id: 'v2', sourceId: 'v1', sizeGb: 1 })
      await d.deleteVolume('v1')
      expect((await head(d, 'v2', 1024 * 1024)).equals(pattern(5))).toBe(true)
    })
    test('refuses a clone smaller than its source', async (d) => {
      await d.createVolume({ id: 'v1', sizeGb: 2 })
      await expect(d.cloneVolume({ id: 'v2', sourceId: 'v1', sizeGb: 1 })).rejects.toThrow()
      expect(await d.listVolumes()).toEqual(['v1'])
    })
    test('describes how a host reaches a volume', async (d) => {
      await d.createVolume({ id: 'v1', sizeGb: 1 })
      const info = await d.connectionInfo('v1', { host: 'node1' })
      expect(info.driverVolumeType).not.toBe('')
      expect(info.data['volume_id']).toBe('v1')
      await expect(d.connectionInfo('nope', { host: 'node1' })).rejects.toThrow()
    })
    test('ends connections idempotently, also of a volume that is gone', async (d) => {
      await d.createVolume({ id: 'v1', sizeGb: 1 })
      const holder = { holder: 'attachment-1', readOnly: false }
      await d.connectionInfo('v1', { host: 'node1' }, holder)
      await d.terminateConnection('v1', 'attachment-1')
      await d.terminateConnection('v1', 'attachment-1')
      await d.terminateConnection('v1')
      await d.deleteVolume('v1')
      await d.terminateConnection('v1')
      expect(await d.listVolumes()).toEqual([])
    })
  })
}
