/** @module object-storage/storage/file-disk-file: objects as files in a device folder */
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fdatasync,
  fstatSync,
  open,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  writev,
} from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { promisify } from 'node:util'
import type {
  DiskFileEntry,
  DiskFileStore,
  DiskFileWriter,
  ObjectMetadata,
  ObjectState,
} from './disk-file.js'
import { FileStream } from '../../core/http/index.js'
import { createFilePlacer, type FilePlacer, type Placement } from './file-placer.js'

/** Bytes of the trailer length field that ends every `.data` file. */
const TRAILER_LENGTH = 4
/** Bytes gathered before they are written out in one call (fewer, larger writes). */
const WRITE_BATCH = 1024 * 1024
/**
 * Read size of object GETs: 1 MiB reads keep a cold read as fast as 4 MiB ones here, and the three
 * buffers a stream keeps for the next GET cost 3 MiB of resident memory instead of 12.
 */
const OBJECT_READ_CHUNK = 1024 * 1024
/** Bytes of a large object written between two intermediate fdatasyncs. */
const SYNC_EVERY = 16 * 1024 * 1024
/**
 * I/O policy. Calls that only read the page cache or release a descriptor (readdir, opening a
 * file to read it, reads of up to {@link TAIL_READ}, close) run synchronously, as SQLite's
 * listing reads do: each costs microseconds, where a round trip through the libuv threadpool
 * costs a thread wake-up and two context switches. The event loop never makes a call that may
 * wait for a journal or the disk: a large object's writes and fdatasyncs go to the threadpool, and
 * a small object's whole write, and every rename into an object folder, go to the
 * {@link FilePlacer} in one message; its thread makes the folder, creates and renames the files
 * itself and leaves the disk waits (the O_DSYNC write, the fsyncs) to the threadpool.
 */
const datasyncFd = promisify(fdatasync)
const openFd = promisify(open)
/** Bytes read from the end of a `.data` file with its trailer: small objects come whole. */
const TAIL_READ = 64 * 1024

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir).sort()
  } catch {
    return []
  }
}

function stamp(name: string): string {
  return name.slice(0, name.lastIndexOf('.'))
}

/** Reads a `.data` file's JSON trailer, and its whole data when it is small. */
function readDataFile(path: string): { metadata: ObjectMetadata; body?: Buffer } {
  const fd = openSync(path, 'r')
  try {
    const { size } = fstatSync(fd)
    if (size < TRAILER_LENGTH) throw new Error(`${path} has no trailer`)
    const tailLength = Math.min(size, TAIL_READ)
    const tail = Buffer.allocUnsafe(tailLength)
    const bytesRead = readSync(fd, tail, 0, tailLength, size - tailLength)
    if (bytesRead !== tailLength) throw new Error(`${path} changed while read`)
    const length = tail.readUInt32BE(tailLength - TRAILER_LENGTH)
    const trailerStart = size - TRAILER_LENGTH - length
    if (trailerStart < 0) throw new Error(`${path} has a bad trailer`)
    let json: Buffer
    if (length + TRAILER_LENGTH <= tailLength) {
      json = tail.subarray(tailLength - TRAILER_LENGTH - length, tailLength - TRAILER_LENGTH)
    } else {
      json = Buffer.alloc(length)
      readSync(fd, json, 0, length, trailerStart)
    }
    const metadata = JSON.parse(json.toString('utf8')) as ObjectMetadata
    if (tailLength === size) return { metadata, body: tail.subarray(0, trailerStart) }
    return { metadata }
  } finally {
    closeSync(fd)
  }
}

/** Vectored write on the threadpool; resolves with the bytes written. */
function writevAsync(fd: number, chunks: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) =>
    writev(fd, chunks, (error, written) => (error ? reject(error) : resolve(written))),
  )
}

/** Writes every byte of `chunks` at the file's position. */
async function writeAll(fd: number, chunks: Buffer[]): Promise<void> {
  let rest = chunks
  while (rest.length > 0) rest = skipBytes(rest, await writevAsync(fd, rest))
}

/**
 * An upload to a temporary file. Bytes are gathered into batches of {@link WRITE_BATCH} and
 * written while the next batch fills; a small object is written with its trailer in one call.
 */
class FileWriter implements DiskFileWriter {
  private fd: number | undefined
  private opening: Promise<number> | undefined
  private pending: Buffer[] = []
  private pendingBytes = 0
  private flushing: Promise<void> = Promise.resolve()
  /** Bytes written since the last intermediate fdatasync started. */
  private unsynced = 0
  private syncing: Promise<unknown> | undefined
  private failure: unknown
  private closed = false

  constructor(
    private readonly store: FileDiskFileStore,
    private readonly dir: string,
    private readonly temp: string,
  ) {}

  private file(): Promise<number> {
    this.opening ??= openFd(this.temp, 'w').then((fd) => (this.fd = fd))
    return this.opening
  }

  /** Starts writing the gathered bytes after the batch before them. */
  private flush(): Promise<void> {
    const batch = this.pending
    const bytes = this.pendingBytes
    this.pending = []
    this.pendingBytes = 0
    this.flushing = this.flushing.then(async () => {
      if (this.failure !== undefined) return
      const fd = await this.file()
      await writeAll(fd, batch)
      this.unsynced += bytes
      // Written-back as it arrives (as Swift's mb_per_sync), so that the final fdatasync of a
      // large object does not wait for all of it; one such sync at a time, never awaited here.
      if (this.unsynced >= SYNC_EVERY && !this.syncing) {
        this.unsynced = 0
        // A write-back error is reported to one fdatasync only: kept, so the commit fails.
        this.syncing = datasyncFd(fd)
          .catch((error: unknown) => (this.failure ??= error))
          .finally(() => (this.syncing = undefined))
      }
    })
    this.flushing.catch((error: unknown) => (this.failure ??= error))
    return this.flushing
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.closed) throw new Error('writer is closed')
    if (this.failure !== undefined) throw this.failure
    if (chunk.length === 0) return
    this.pending.push(chunk)
    this.pendingBytes += chunk.length
    if (this.pendingBytes < WRITE_BATCH) return
    // One batch may be in flight while the next one fills.
    const previous = this.flushing
    void this.flush()
    await previous
    if (this.failure !== undefined) throw this.failure
  }

  async commit(metadata: ObjectMetadata): Promise<void> {
    if (this.closed) throw new Error('writer is closed')
    const json = Buffer.from(JSON.stringify(metadata))
    const length = Buffer.alloc(TRAILER_LENGTH)
    length.writeUInt32BE(json.length, 0)
    await this.flushing
    if (this.failure !== undefined) throw this.failure
    const last = [...this.pending, json, length]
    this.pending = []
    this.pendingBytes = 0
    const placement = { temp: this.temp, dir: this.dir, name: `${metadata.timestamp}.data` }
    this.closed = true
    if (this.opening === undefined) {
      // Nothing written yet (a small object): written, renamed and synced in one placement.
      await this.store.publish({ ...placement, data: last })
      return
    }
    const fd = await this.file()
    await writeAll(fd, last)
    await datasyncFd(fd)
    // The descriptor stays open until an intermediate sync on it has ended.
    await this.syncing
    if (this.failure !== undefined) throw this.failure
    this.fd = undefined
    // The bytes are durable: the file is closed and its name published.
    closeSync(fd)
    await this.store.publish(placement)
  }

  async abort(): Promise<void> {
    this.closed = true
    this.pending = []
    await this.flushing.catch(() => undefined)
    await this.syncing
    const fd = this.fd ?? (await this.opening?.catch(() => undefined))
    this.fd = undefined
    if (fd !== undefined) {
      try {
        closeSync(fd)
      } catch {
        // Already closed: nothing to release.
      }
    }
    await rm(this.temp, { force: true })
  }
}

/** The chunks after the first `bytes` bytes (for a short vectored write). */
function skipBytes(chunks: Buffer[], bytes: number): Buffer[] {
  let left = bytes
  let index = 0
  while (index < chunks.length && left >= (chunks[index]?.length ?? 0)) {
    left -= chunks[index]?.length ?? 0
    index += 1
  }
  const rest = chunks.slice(index)
  const first = rest[0]
  if (first && left > 0) rest[0] = first.subarray(left)
  return rest
}

/**
 * The timestamp of the newest state the names of an object's folder hold (what
 * {@link currentStamp} gives for the state {@link FileDiskFileStore.read} returns: a `.data`
 * file is named after its metadata's timestamp), without opening any file.
 */
function namesStamp(names: readonly string[]): string | undefined {
  const newest = names.filter((n) => n.endsWith('.data') || n.endsWith('.ts')).at(-1)
  if (!newest || newest.endsWith('.ts')) return newest && stamp(newest)
  const meta = names.filter((n) => n.endsWith('.meta') && stamp(n) > stamp(newest)).at(-1)
  return stamp(meta ?? newest)
}

/** Removes files older than the newest data or tombstone (keeping newer `.meta` files). */
async function removeObsolete(dir: string): Promise<void> {
  const names = listNames(dir)
  const newest = names.filter((n) => n.endsWith('.data') || n.endsWith('.ts')).at(-1)
  if (!newest) return
  const keep = stamp(newest)
  const newestMeta = names.filter((n) => n.endsWith('.meta') && stamp(n) > keep).at(-1)
  await Promise.all(
    names
      .filter((n) => n !== newest && n !== newestMeta)
      .map((n) => rm(join(dir, n), { force: true })),
  )
}

/** A device folder holding `objects/<partition>/<hash>/<timestamp>.{data,ts,meta}`. */
export class FileDiskFileStore implements DiskFileStore {
  private readonly objects: string
  private readonly tmp: string
  private tmpReady: Promise<unknown> | undefined
  private readonly tempPrefix = randomBytes(6).toString('hex')
  private tempCount = 0

  /**
   * `placer` makes the renames durable; one placer may serve every store of a process. Without
   * one, the store starts its own.
   */
  constructor(
    private readonly root: string,
    private readonly placer: FilePlacer = createFilePlacer(),
  ) {
    this.objects = join(root, 'objects')
    this.tmp = join(root, 'tmp')
  }

  private dir(partition: number, hash: string): string {
    return join(this.objects, String(partition), hash)
  }

  /** A fresh temporary name (a random prefix per store, then a counter); one folder, made once. */
  private async tempName(): Promise<string> {
    this.tmpReady ??= mkdir(this.tmp, { recursive: true }).catch((error: unknown) => {
      this.tmpReady = undefined
      throw error
    })
    await this.tmpReady
    this.tempCount += 1
    return join(this.tmp, `${this.tempPrefix}-${this.tempCount.toString(36)}`)
  }

  /**
   * Gives a temporary file its name in an object folder, durably (see {@link FilePlacer}), then
   * removes what the new file makes obsolete there, unless the folder is new.
   */
  async publish(placement: Placement): Promise<void> {
    const { created } = await this.placer.place(placement)
    if (!created) await removeObsolete(placement.dir)
  }

  /** Writes a small file durably under `dir` (tombstones and metadata updates). */
  private async writeSmall(dir: string, name: string, text: string): Promise<void> {
    await this.publish({ temp: await this.tempName(), dir, name, data: [Buffer.from(text)] })
  }

  async createWriter(partition: number, hash: string): Promise<DiskFileWriter> {
    return new FileWriter(this, this.dir(partition, hash), await this.tempName())
  }

  async read(partition: number, hash: string): Promise<ObjectState | undefined> {
    const dir = this.dir(partition, hash)
    const names = listNames(dir)
    const newest = names.filter((n) => n.endsWith('.data') || n.endsWith('.ts')).at(-1)
    if (!newest) return undefined
    if (newest.endsWith('.ts')) {
      const { name } = JSON.parse(readFileSync(join(dir, newest), 'utf8')) as { name: string }
      return { kind: 'tombstone', timestamp: stamp(newest), name }
    }
    const { metadata, body } = readDataFile(join(dir, newest))
    const inline = body ? { body } : {}
    const meta = names.filter((n) => n.endsWith('.meta') && stamp(n) > stamp(newest)).at(-1)
    if (!meta) return { kind: 'data', metadata, dataTimestamp: metadata.timestamp, ...inline }
    const headers = JSON.parse(readFileSync(join(dir, meta), 'utf8')) as Record<string, string>
    return {
      kind: 'data',
      metadata: { ...metadata, headers, timestamp: stamp(meta) },
      dataTimestamp: metadata.timestamp,
      ...inline,
    }
  }

  async open(
    partition: number,
    hash: string,
    range: { dataTimestamp: string; start: number; end: number },
  ): Promise<Readable> {
    const path = join(this.dir(partition, hash), `${range.dataTimestamp}.data`)
    const chunkSize = OBJECT_READ_CHUNK
    return FileStream.open(path, { start: range.start, end: range.end }, { chunkSize })
  }

  async delete(partition: number, hash: string, tombstone: { timestamp: string; name: string }) {
    const dir = this.dir(partition, hash)
    const current = namesStamp(listNames(dir))
    if (current !== undefined && current >= tombstone.timestamp) return
    const body = JSON.stringify({ name: tombstone.name })
    await this.writeSmall(dir, `${tombstone.timestamp}.ts`, body)
    await removeObsolete(dir)
  }

  async post(
    partition: number,
    hash: string,
    update: { timestamp: string; headers: Record<string, string> },
  ): Promise<void> {
    const dir = this.dir(partition, hash)
    const current = namesStamp(listNames(dir))
    if (current === undefined || current >= update.timestamp) return
    await this.writeSmall(dir, `${update.timestamp}.meta`, JSON.stringify(update.headers))
    await removeObsolete(dir)
  }

  async *list(): AsyncIterable<DiskFileEntry> {
    for (const part of listNames(this.objects)) {
      for (const hash of listNames(join(this.objects, part))) {
        const state = await this.read(Number(part), hash).catch(() => undefined)
        if (state) yield { partition: Number(part), hash, state }
      }
    }
  }

  async quarantine(partition: number, hash: string): Promise<void> {
    const target = join(this.root, 'quarantined', `${hash}-${Date.now()}`)
    await mkdir(join(this.root, 'quarantined'), { recursive: true })
    await rename(this.dir(partition, hash), target).catch(() => undefined)
  }
}

/** The timestamp that decides whether a later write wins. */
export function currentStamp(state: ObjectState): string {
  return state.kind === 'data' ? state.metadata.timestamp : state.timestamp
}

/** Size of a stored data file including its trailer (for auditors). */
export async function dataFileSize(path: string): Promise<number> {
  return (await stat(path)).size
}
