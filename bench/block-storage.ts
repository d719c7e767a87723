/** @module bench/block-storage: volume create/delete latencies and create-from-image throughput beside the disk */
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import {
  alice,
  createBlockStorageFixture,
  type BlockStorageFixture,
  type Json,
} from '../src/block-storage/test/block-storage-fixture.js'
import { percentile } from './http-load.js'
import { diskWrite, dropFileCache, payload, PROBE_CHUNK } from './image-disk.js'

const usage = `usage: node --import tsx bench/block-storage.ts [options]
The block storage and image services run in this process with the file driver (qcow2 files
made with qemu-img under a temporary data dir) and the volume agent on the in-process bus.
  --volumes N      volumes of 1 GiB to create and then delete (default 100)
  --concurrency N  requests in flight (default 10)
  --image-mib N    image size for create-from-image in MiB (default 1024; 0 skips)`

const MIB = 1024 * 1024

function ms(value: number): string {
  return `${value.toFixed(1)} ms`
}

async function until(f: BlockStorageFixture, path: string, done: (r: Json | null) => boolean) {
  const deadline = Date.now() + 600_000
  while (Date.now() < deadline) {
    const r = await f.request(alice, { method: 'GET', url: f.url(alice, path) })
    const body = r.statusCode === 404 ? null : r.json<Json>()
    if (done(body)) return body
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`${path} did not settle in 10 minutes`)
}

/** Runs `work` for each item with `concurrency` in flight, returning each one's milliseconds. */
async function timed<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  const times: number[] = []
  let next = 0
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const item = items[next++] as T
      const start = performance.now()
      await work(item)
      times.push(performance.now() - start)
    }
  })
  await Promise.all(workers)
  return times.sort((a, b) => a - b)
}

function report(label: string, times: number[], wallMs: number) {
  console.log(
    `  ${label}: ${times.length} in ${(wallMs / 1000).toFixed(2)} s, p50 ${ms(percentile(times, 50))}, p99 ${ms(percentile(times, 99))}, max ${ms(times.at(-1) ?? 0)}`,
  )
}

async function createAndDelete(f: BlockStorageFixture, count: number, concurrency: number) {
  console.log(
    `create and delete ${count} volumes of 1 GiB (concurrency ${concurrency}, file driver, qcow2)`,
  )
  const ids: string[] = []
  let start = performance.now()
  const created = await timed(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async (i) => {
      const v = await f.createVolume(alice, { size: 1, name: `bench-${i}` })
      const id = String(v['id'])
      const done = await until(
        f,
        `/volumes/${id}`,
        (r) => (r?.['volume'] as Json)['status'] !== 'creating',
      )
      const status = ((done as Json)['volume'] as Json)['status']
      if (status !== 'available') throw new Error(`volume ${id} ended ${String(status)}`)
      ids.push(id)
    },
  )
  report('create (POST to available)', created, performance.now() - start)
  start = performance.now()
  const deleted = await timed(ids, concurrency, async (id) => {
    const r = await f.request(alice, { method: 'DELETE', url: f.url(alice, `/volumes/${id}`) })
    if (r.statusCode !== 202) throw new Error(`delete ${id}: ${r.statusCode} ${r.body}`)
    await until(f, `/volumes/${id}`, (body) => body === null)
  })
  report('delete (DELETE to gone)', deleted, performance.now() - start)
}

async function fromImage(f: BlockStorageFixture, mib: number) {
  const bytes = mib * MIB
  const block = randomBytes(PROBE_CHUNK)
  console.log(`create a volume from a ${mib} MiB raw image of random data`)
  const image = await f.request(alice, {
    method: 'POST',
    url: '/image/v2/images',
    payload: { name: 'bench', disk_format: 'raw', container_format: 'bare' },
  })
  const imageId = String(image.json<Json>()['id'])
  const put = await f.request(alice, {
    method: 'PUT',
    url: `/image/v2/images/${imageId}/file`,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes) },
    payload: Readable.from(payload(bytes, block)),
  })
  if (put.statusCode !== 204) throw new Error(`image upload: ${put.statusCode} ${put.body}`)
  const sizeGb = Math.max(1, Math.ceil(bytes / 1024 ** 3))
  const start = performance.now()
  const v = await f.createVolume(alice, { size: sizeGb, imageRef: imageId })
  const id = String(v['id'])
  const done = await until(
    f,
    `/volumes/${id}`,
    (r) => (r?.['volume'] as Json)['status'] !== 'creating',
  )
  const seconds = (performance.now() - start) / 1000
  const status = ((done as Json)['volume'] as Json)['status']
  if (status !== 'available') throw new Error(`volume from image ended ${String(status)}`)
  console.log(`  volume from image: ${seconds.toFixed(2)} s, ${(mib / seconds).toFixed(0)} MiB/s`)

  const source = join(f.dataDir, 'disk-probe-source')
  const target = join(f.dataDir, 'disk-probe-copy')
  await diskWrite(source, bytes, block)
  await dropFileCache(source)
  const copyStart = performance.now()
  await pipeline(
    createReadStream(source, { highWaterMark: PROBE_CHUNK }),
    createWriteStream(target, { flush: true, highWaterMark: PROBE_CHUNK }),
  )
  const copySeconds = (performance.now() - copyStart) / 1000
  console.log(
    `  disk copy of the same size (read, write, fsync): ${copySeconds.toFixed(2)} s, ${(mib / copySeconds).toFixed(0)} MiB/s`,
  )
  console.log(
    `  volume from image / disk copy time: ${(seconds / copySeconds).toFixed(2)}x (the image is streamed to a partial file, converted by qemu-img and fsynced)`,
  )
  await rm(source, { force: true })
  await rm(target, { force: true })
}

async function main() {
  const { values } = parseArgs({
    options: {
      volumes: { type: 'string', default: '100' },
      concurrency: { type: 'string', default: '10' },
      'image-mib': { type: 'string', default: '1024' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const count = Number(values.volumes)
  const f = await createBlockStorageFixture({
    config: { quotaVolumes: -1, quotaGigabytes: -1, capacityGb: 10_000 },
  })
  try {
    console.log('== block storage benchmark')
    if (count > 0) await createAndDelete(f, count, Number(values.concurrency))
    const mib = Number(values['image-mib'])
    if (mib > 0) await fromImage(f, mib)
  } finally {
    await f.close()
  }
}

await main()
