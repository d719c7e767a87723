/** @module object-storage/storage/file-disk-file: objects as files in a device folder */
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import type {
  DiskFileEntry,
  DiskFileStore,
  DiskFileWriter,
  ObjectMetadata,
  ObjectState,
} from './disk-file.js'
import { DirectorySync } from './directory-sync.js'

/** Bytes of the trailer length field that ends every `.data` file. */
const TRAILER_LENGTH = 4
/** Bytes gathered before they are written out in one call (fewer, larger writes). */
const WRITE_BATCH = 1024 * 1024
/** Bytes read from the end of a `.data` file with its trailer: small objects come whole. */
const TAIL_READ = 64 * 1024
/**
 * Read size of object streams: four times Node's default, fewer reads per object, while the
 * chunks a GET buffers ahead (16 in its segment stream) stay a few MiB.
 */
const STREAM_CHUNK = 256 * 1024

async function listNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort()
  } catch {
    return []
  }
}

function stamp(name: string): string {
  return name.slice(0, name.lastIndexOf('.'))
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
}

/** Reads a `.data` file's JSON trailer, and its whole data when it is small. */
async function readDataFile(path: string): Promise<{ metadata: ObjectMetadata; body?: Buffer }> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    if (size < TRAILER_LENGTH) throw new Error(`${path} has no trailer`)
    const tailLength = Math.min(size, TAIL_READ)
    const tail = Buffer.allocUnsafe(tailLength)
    const { bytesRead } = await handle.read(tail, 0, tailLength, size - tailLength)
    if (bytesRead !== tailLength) throw new Error(`${path} changed while read`)
    const length = tail.readUInt32BE(tailLength - TRAILER_LENGTH)
    const trailerStart = size - TRAILER_LENGTH - length
    if (trailerStart < 0) throw new Error(`${path} has a bad trailer`)
    let json: Buffer
    if (length + TRAILER_LENGTH <= tailLength) {
      json = tail.subarray(tailLength - TRAILER_LENGTH - length, tailLength - TRAILER_LENGTH)
    } else {
      json = Buffer.alloc(length)
      await handle.read(json, 0, length, trailerStart)
    }
    const metadata = JSON.parse(json.toString('utf8')) as ObjectMetadata
    if (tailLength === size) return { metadata, body: tail.subarray(0, trailerStart) }
    return { metadata }
  } finally {
    await handle.close()
  }
}

/**
 * Renames a durable temporary file into `dir`, creating the directory when missing, and makes the
 * new names durable: the directory is fsynced, and so is the parent of every directory created.
 * Returns whether `dir` was created by this call (then it holds nothing older to clean up).
 */
async function publish(syncer: DirectorySync, temp: string, dir: string, name: string) {
  const target = join(dir, name)
  const dirs = [dir]
  let created: string | undefined
  try {
    await rename(temp, target)
  } catch (error) {
    if (!isMissing(error)) throw error
    created = await mkdir(dir, { recursive: true })
    await rename(temp, target)
    // Another writer may have created the folder and not yet made it durable: sync its parents.
    const top = created ?? dirname(dir)
    for (let d = dir; d.length >= top.length; d = dirname(d)) dirs.push(dirname(d))
  }
  await Promise.all(dirs.map((d) => syncer.sync(d)))
  return created !== undefined
}

/**
 * An upload to a temporary file. Bytes are gathered into batches of {@link WRITE_BATCH} and
 * written while the next batch fills; a small object is written with its trailer in one call.
 */
class FileWriter implements DiskFileWriter {
  private handle: FileHandle | undefined
  private opening: Promise<FileHandle> | undefined
  private pending: Buffer[] = []
  private pendingBytes = 0
  private flushing: Promise<void> = Promise.resolve()
  private failure: unknown
  private closed = false

  constructor(
    private readonly store: FileDiskFileStore,
    private readonly dir: string,
    private readonly temp: string,
  ) {}

  private file(): Promise<FileHandle> {
    this.opening ??= open(this.temp, 'w').then((handle) => (this.handle = handle))
    return this.opening
  }

  private async writeOut(chunks: Buffer[]): Promise<void> {
    const handle = await this.file()
    let rest = chunks
    while (rest.length > 0) {
      const { bytesWritten } = await handle.writev(rest)
      rest = skipBytes(rest, bytesWritten)
    }
  }

  /** Starts writing the gathered bytes after the batch before them. */
  private flush(): Promise<void> {
    const batch = this.pending
    this.pending = []
    this.pendingBytes = 0
    this.flushing = this.flushing.then(() =>
      this.failure === undefined ? this.writeOut(batch) : undefined,
    )
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
    this.pending.push(json, length)
    await this.flush()
    if (this.failure !== undefined) throw this.failure
    const handle = await this.file()
    await handle.datasync()
    this.closed = true
    this.handle = undefined
    // The bytes are durable: the file is closed while its name is published.
    const [, published] = await Promise.allSettled([
      handle.close(),
      publish(this.store.syncer, this.temp, this.dir, `${metadata.timestamp}.data`),
    ])
    if (published.status === 'rejected') throw published.reason
    if (!published.value) await removeObsolete(this.dir)
  }

  async abort(): Promise<void> {
    this.closed = true
    this.pending = []
    await this.flushing.catch(() => undefined)
    const handle = this.handle ?? (await this.opening?.catch(() => undefined))
    this.handle = undefined
    await handle?.close().catch(() => undefined)
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

/** Removes files older than the newest data or tombstone (keeping newer `.meta` files). */
async function removeObsolete(dir: string): Promise<void> {
  const names = await listNames(dir)
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
  /** Directory fsyncs, shared by the writes that wait for the same directory. */
  readonly syncer = new DirectorySync()

  constructor(private readonly root: string) {
    this.objects = join(root, 'objects')
    this.tmp = join(root, 'tmp')
  }

  private dir(partition: number, hash: string): string {
    return join(this.objects, String(partition), hash)
  }

  /** A fresh temporary file name; the folder is created once. */
  private async tempName(): Promise<string> {
    this.tmpReady ??= mkdir(this.tmp, { recursive: true }).catch((error: unknown) => {
      this.tmpReady = undefined
      throw error
    })
    await this.tmpReady
    return join(this.tmp, randomBytes(8).toString('hex'))
  }

  /** Writes a small file durably under `dir` (tombstones and metadata updates). */
  private async writeSmall(dir: string, name: string, text: string): Promise<void> {
    const temp = await this.tempName()
    const handle = await open(temp, 'w')
    try {
      await handle.writeFile(text)
      await handle.datasync()
    } finally {
      await handle.close()
    }
    await publish(this.syncer, temp, dir, name)
  }

  async createWriter(partition: number, hash: string): Promise<DiskFileWriter> {
    return new FileWriter(this, this.dir(partition, hash), await this.tempName())
  }

  async read(partition: number, hash: string): Promise<ObjectState | undefined> {
    const dir = this.dir(partition, hash)
    const names = await listNames(dir)
    const newest = names.filter((n) => n.endsWith('.data') || n.endsWith('.ts')).at(-1)
    if (!newest) return undefined
    if (newest.endsWith('.ts')) {
      const { name } = JSON.parse(await readFile(join(dir, newest), 'utf8')) as { name: string }
      return { kind: 'tombstone', timestamp: stamp(newest), name }
    }
    const { metadata, body } = await readDataFile(join(dir, newest))
    const inline = body ? { body } : {}
    const meta = names.filter((n) => n.endsWith('.meta') && stamp(n) > stamp(newest)).at(-1)
    if (!meta) return { kind: 'data', metadata, dataTimestamp: metadata.timestamp, ...inline }
    const headers = JSON.parse(await readFile(join(dir, meta), 'utf8')) as Record<string, string>
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
    const length = range.end - range.start + 1
    const highWaterMark = Math.max(64 * 1024, Math.min(STREAM_CHUNK, length))
    return createReadStream(path, { start: range.start, end: range.end, highWaterMark })
  }

  async delete(partition: number, hash: string, tombstone: { timestamp: string; name: string }) {
    const dir = this.dir(partition, hash)
    const current = await this.read(partition, hash)
    if (current && currentStamp(current) >= tombstone.timestamp) return
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
    const current = await this.read(partition, hash)
    if (!current || currentStamp(current) >= update.timestamp) return
    await this.writeSmall(dir, `${update.timestamp}.meta`, JSON.stringify(update.headers))
    await removeObsolete(dir)
  }

  async *list(): AsyncIterable<DiskFileEntry> {
    for (const part of await listNames(this.objects)) {
      for (const hash of await listNames(join(this.objects, part))) {
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
