/** @module object-storage/storage/file-placer: durable renames into object folders, off the event loop */
import { Worker } from 'node:worker_threads'

/*
 * Making a new object durable takes six to eight file system calls (create the folder, create and
 * write the temporary file, rename it, fsync the folder and the parents made for it). Each one the
 * event loop hands to the libuv threadpool costs it a submission and a completion: together about
 * a third of the event loop's time during small PUTs. One worker thread makes them instead, so a
 * placement costs the event loop one message each way. The worker makes the calls that change
 * only names itself and hands those that wait for the disk (the O_DSYNC write, the fsyncs) to the
 * threadpool, as many at a time as come. The worker's code is evaluated from this string so that
 * it runs alike from the TypeScript sources (tsx, vitest) and from dist.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const fs = require('node:fs')
const { promisify } = require('node:util')
const { dirname, join } = require('node:path')
const write = promisify(fs.write)
const fsync = promisify(fs.fsync)
const DURABLE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_DSYNC
// Placements under way by folder: each one's own work, settled, for the others to wait on.
const active = new Map()

// Calls that change only names and inodes (mkdir, create, rename, close) run in place: each costs
// microseconds of page-cache work, or a short wait for a journal, and this thread serves no
// request meanwhile. The write with O_DSYNC and the fsyncs wait for the disk, on the threadpool.
async function writeDurably(path, data) {
  const fd = fs.openSync(path, DURABLE)
  try {
    let offset = 0
    while (offset < data.length) offset += await write(fd, data, offset, data.length - offset, null)
  } catch (error) {
    fs.closeSync(fd)
    fs.rmSync(path, { force: true })
    throw error
  }
  fs.closeSync(fd)
}

async function syncFolder(path) {
  const fd = fs.openSync(path, 'r')
  try {
    await fsync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

async function ownWork(job) {
  const created = fs.mkdirSync(job.dir, { recursive: true })
  if (job.data) await writeDurably(job.temp, new Uint8Array(job.data))
  try {
    fs.renameSync(job.temp, join(job.dir, job.name))
  } catch (error) {
    // A temporary file this placement wrote is its own to remove; one it was given is the caller's.
    if (job.data) fs.rmSync(job.temp, { force: true })
    throw error
  }
  const folders = [job.dir]
  if (created !== undefined)
    for (let d = job.dir; d.length >= created.length; d = dirname(d)) folders.push(dirname(d))
  await Promise.all(folders.map(syncFolder))
  return created !== undefined
}

async function place(job) {
  let others = active.get(job.dir)
  if (!others) active.set(job.dir, (others = new Set()))
  const own = ownWork(job)
  const settled = own.then(() => undefined, (error) => error)
  others.add(settled)
  try {
    const created = await own
    // A folder another placement made is durable once that placement's syncs end: every one
    // under way for the folder is waited for, whichever made it, and its failure is ours.
    const failures = await Promise.all([...others].filter((p) => p !== settled))
    const failure = failures.find((f) => f !== undefined)
    if (failure !== undefined) throw failure
    return created
  } finally {
    others.delete(settled)
    if (others.size === 0 && active.get(job.dir) === others) active.delete(job.dir)
  }
}

parentPort.on('message', (job) => {
  place(job).then(
    (created) => parentPort.postMessage({ id: job.id, created }),
    (error) => parentPort.postMessage({ id: job.id, error: { message: String(error && error.message), code: error && error.code } }),
  )
})
`

/** One file to make durable under its final name. */
export interface Placement {
  /** The temporary file: written here when `data` is given, else already durable. */
  temp: string
  /** The object folder; created with its missing parents. */
  dir: string
  /** The final name in `dir`. */
  name: string
  /** The whole content, in pieces, written to `temp` with O_DSYNC first. */
  data?: readonly Uint8Array[]
}

/**
 * Renames temporary files into their folders durably, on a worker thread.
 *
 * `place` must resolve only once the file's bytes, its name and the names of every folder made for
 * it are durable, and this also when another placement made the folder and has not yet synced its
 * parent; it must reject (leaving no temporary file it wrote) when any step fails.
 */
export interface FilePlacer {
  /**
   * Starts the worker now rather than at the first placement, so that settings made for the
   * process's threads once it serves (its scheduling policy) cover it too.
   */
  start(): void
  /** Resolves whether this placement created `dir`. */
  place(placement: Placement): Promise<{ created: boolean }>
  /** Stops the worker; placements under way reject. */
  close(): Promise<void>
}

interface Reply {
  id: number
  created?: boolean
  error?: { message: string; code?: string }
}

interface Waiter {
  resolve: (value: { created: boolean }) => void
  reject: (error: Error) => void
}

/**
 * The worker's young generation: its garbage is a few small objects per placement, and V8's
 * default lets the space grow to tens of MiB that stay resident.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 2 }

/** A file system error as the worker reported it, with its `code` (ENOENT, ENOSPC, ...). */
function placementError(error: { message: string; code?: string }): Error {
  return Object.assign(new Error(error.message), error.code ? { code: error.code } : {})
}

/** The pieces' bytes in one new ArrayBuffer that no other view shares. */
function joinPieces(pieces: readonly Uint8Array[]): ArrayBuffer {
  const whole = new Uint8Array(pieces.reduce((sum, p) => sum + p.length, 0))
  let offset = 0
  for (const piece of pieces) {
    whole.set(piece, offset)
    offset += piece.length
  }
  return whole.buffer
}

/** A placer on one worker thread, started on first use; it does not keep the process alive. */
export function createFilePlacer(): FilePlacer {
  let worker: Worker | undefined
  let lastId = 0
  const waiting = new Map<number, Waiter>()

  const failAll = (error: Error) => {
    for (const waiter of waiting.values()) waiter.reject(error)
    waiting.clear()
  }

  const start = (): Worker => {
    const started = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: WORKER_LIMITS })
    started.unref()
    started.on('message', (reply: Reply) => {
      const waiter = waiting.get(reply.id)
      if (!waiter) return
      waiting.delete(reply.id)
      if (reply.error) waiter.reject(placementError(reply.error))
      else waiter.resolve({ created: reply.created === true })
    })
    const gone = (error: Error) => {
      if (worker !== started) return
      worker = undefined
      failAll(error)
    }
    started.on('error', gone)
    started.on('exit', (code) => gone(new Error(`file placer exited with code ${code}`)))
    return started
  }

  return {
    start() {
      worker ??= start()
    },
    place(placement) {
      worker ??= start()
      const id = ++lastId
      const { data, ...paths } = placement
      // The bytes move to the worker in a buffer of their own (never a pooled one), handed over
      // without a further copy.
      const whole = data ? joinPieces(data) : undefined
      const target = worker
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject })
        target.postMessage({ id, ...paths, data: whole }, whole ? [whole] : [])
      })
    },
    async close() {
      const stopping = worker
      worker = undefined
      failAll(new Error('file placer closed'))
      await stopping?.terminate()
    },
  }
}
