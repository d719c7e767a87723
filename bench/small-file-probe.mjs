// The file system's own rate for what the object store must do to make a new small object
// durable, without HTTP, hashing or listings: per copy, create its folder, write a temporary
// file with O_DSYNC, rename it into the folder and fsync the folder and its parent. Copies of one
// object go to as many device folders at once, as the proxy's writes to its replicas do; CONCURRENCY
// objects are in flight. It runs in its own process with the server's threadpool size.
// usage: node bench/small-file-probe.mjs DIR REPLICAS CONCURRENCY COUNT MAX_MS BYTES
// prints {"completed":N,"perSecond":R}
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { mkdir, open, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

const [dir = '', replicasArg = '1', concurrencyArg = '16', countArg = '5000', maxMsArg = '10000'] =
  process.argv.slice(2)
const bytes = Number(process.argv[7] ?? 4096)
const [replicas, concurrency, count, maxMs] = [replicasArg, concurrencyArg, countArg, maxMsArg].map(
  Number,
)
const body = randomBytes(bytes)
const DURABLE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC

async function fsyncDir(path) {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

// The store's own layout, objects/<partition>/<hash>/<timestamp>.data, with 2^10 partitions as
// the default ring: per new object one new folder, whose parent (the partition) exists after the
// first thousand objects.
async function copy(device, i) {
  const hash = randomBytes(16).toString('hex')
  const partition = join(device, 'objects', String(i % 1024))
  const folder = join(partition, hash)
  const temp = join(device, 'tmp', hash)
  const [, handle] = await Promise.all([mkdir(folder, { recursive: true }), open(temp, DURABLE)])
  try {
    await handle.write(body, 0, body.length, 0)
  } finally {
    await handle.close()
  }
  await rename(temp, join(folder, `${Date.now()}.data`))
  await Promise.all([fsyncDir(folder), fsyncDir(partition)])
}

const devices = Array.from({ length: replicas }, (_, d) => join(dir, `probe-dev-${d}`))
await Promise.all(devices.map((d) => mkdir(join(d, 'tmp'), { recursive: true })))
let next = 0
let completed = 0
const begin = performance.now()
async function worker() {
  while (next < count && performance.now() - begin < maxMs) {
    const i = next
    next += 1
    await Promise.all(devices.map((d) => copy(d, i)))
    completed += 1
  }
}
await Promise.all(Array.from({ length: concurrency }, worker))
const seconds = (performance.now() - begin) / 1000
console.log(JSON.stringify({ completed, perSecond: completed / seconds }))
