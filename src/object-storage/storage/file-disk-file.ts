/** @module object-storage/storage/file-disk-file: objects as files in a device folder */
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import type {
  DiskFileEntry,
  DiskFileStore,
  DiskFileWriter,
  ObjectMetadata,
  ObjectState,
} from './disk-file.js'

/** Bytes of the trailer length field that ends every `.data` file. */
const TRAILER_LENGTH = 4

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function writeDurably(dir: string, tmpDir: string, name: string, text: string) {
  await mkdir(dir, { recursive: true })
  const temp = join(tmpDir, randomBytes(8).toString('hex'))
  const handle = await open(temp, 'w')
  try {
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temp, join(dir, name))
  await fsyncDir(dir)
}

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

/** Reads the JSON trailer of a `.data` file. */
async function readTrailer(path: string): Promise<ObjectMetadata> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    const lengthBuffer = Buffer.alloc(TRAILER_LENGTH)
    await handle.read(lengthBuffer, 0, TRAILER_LENGTH, size - TRAILER_LENGTH)
    const length = lengthBuffer.readUInt32BE(0)
    const json = Buffer.alloc(length)
    await handle.read(json, 0, length, size - TRAILER_LENGTH - length)
    return JSON.parse(json.toString('utf8')) as ObjectMetadata
  } finally {
    await handle.close()
  }
}

class FileWriter implements DiskFileWriter {
  private handle: FileHandle | undefined
  private readonly temp: string

  constructor(
    private readonly dir: string,
    tmpDir: string,
  ) {
    this.temp = join(tmpDir, randomBytes(8).toString('hex'))
  }

  async start(): Promise<this> {
    this.handle = await open(this.temp, 'w')
    return this
  }

  async write(chunk: Buffer): Promise<void> {
    if (!this.handle) throw new Error('writer is closed')
    await this.handle.write(chunk)
  }

  async commit(metadata: ObjectMetadata): Promise<void> {
    const handle = this.handle
    if (!handle) throw new Error('writer is closed')
    const json = Buffer.from(JSON.stringify(metadata))
    const length = Buffer.alloc(TRAILER_LENGTH)
    length.writeUInt32BE(json.length, 0)
    await handle.write(Buffer.concat([json, length]))
    await handle.sync()
    await handle.close()
    this.handle = undefined
    await mkdir(this.dir, { recursive: true })
    await rename(this.temp, join(this.dir, `${metadata.timestamp}.data`))
    await fsyncDir(this.dir)
    await removeObsolete(this.dir)
  }

  async abort(): Promise<void> {
    await this.handle?.close().catch(() => undefined)
    this.handle = undefined
    await rm(this.temp, { force: true })
  }
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

  constructor(private readonly root: string) {
    this.objects = join(root, 'objects')
    this.tmp = join(root, 'tmp')
  }

  private dir(partition: number, hash: string): string {
    return join(this.objects, String(partition), hash)
  }

  async createWriter(partition: number, hash: string): Promise<DiskFileWriter> {
    await mkdir(this.tmp, { recursive: true })
    return new FileWriter(this.dir(partition, hash), this.tmp).start()
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
    const metadata = await readTrailer(join(dir, newest))
    const meta = names.filter((n) => n.endsWith('.meta') && stamp(n) > stamp(newest)).at(-1)
    if (!meta) return { kind: 'data', metadata, dataTimestamp: metadata.timestamp }
    const headers = JSON.parse(await readFile(join(dir, meta), 'utf8')) as Record<string, string>
    return {
      kind: 'data',
      metadata: { ...metadata, headers, timestamp: stamp(meta) },
      dataTimestamp: metadata.timestamp,
    }
  }

  async open(
    partition: number,
    hash: string,
    range: { dataTimestamp: string; start: number; end: number },
  ): Promise<Readable> {
    const path = join(this.dir(partition, hash), `${range.dataTimestamp}.data`)
    return createReadStream(path, { start: range.start, end: range.end })
  }

  async delete(partition: number, hash: string, tombstone: { timestamp: string; name: string }) {
    const dir = this.dir(partition, hash)
    const current = await this.read(partition, hash)
    if (current && currentStamp(current) >= tombstone.timestamp) return
    await mkdir(this.tmp, { recursive: true })
    const body = JSON.stringify({ name: tombstone.name })
    await writeDurably(dir, this.tmp, `${tombstone.timestamp}.ts`, body)
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
    await mkdir(this.tmp, { recursive: true })
    await writeDurably(dir, this.tmp, `${update.timestamp}.meta`, JSON.stringify(update.headers))
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
