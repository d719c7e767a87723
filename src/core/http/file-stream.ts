/** @module core/http/file-stream: a file (or a range of it) as a stream, sent with reused buffers */
import { open, type FileHandle } from 'node:fs/promises'
import { Readable, type Writable } from 'node:stream'

/** Read size: as large as `dd bs=4M`, so a cold page cache reads ahead as far as dd does. */
export const FILE_CHUNK = 4 * 1024 * 1024
/** Chunks of one stream in flight at once when piping: one being read, the others being sent. */
const CHUNKS_PER_SEND = 3
/** Chunks kept for the next send once one ends; more are left to the garbage collector. */
const IDLE_CHUNKS = CHUNKS_PER_SEND

/** Chunk buffers reused from one send to the next, by size, so steady sending allocates nothing. */
const idle = new Map<number, Buffer[]>()

function takeChunk(size: number): Buffer {
  return idle.get(size)?.pop() ?? Buffer.allocUnsafeSlow(size)
}

function giveBack(chunk: Buffer): void {
  let kept = idle.get(chunk.length)
  if (!kept) idle.set(chunk.length, (kept = []))
  if (kept.length < IDLE_CHUNKS) kept.push(chunk)
}

/** The bytes of a file to stream: from `start` to `end` inclusive, as in `Range: bytes=`. */
export interface FileRange {
  start: number
  end: number
}

/**
 * A readable stream of an open file or a range of it. Read as any Readable (`for await`,
 * `on('data')`), each chunk is a fresh buffer the reader may keep. Piped (as Fastify sends a
 * stream reply), it writes to the one destination from a few buffers reused for the whole
 * transfer and across transfers, each reused only once the destination's write callback said it
 * is done with it: a 1 GiB download then allocates nothing per chunk and the garbage collector
 * stays idle. Backpressure comes from the destination: at most three chunks are in flight.
 * The stream ends (or errors) once the destination was ended (or the read failed); destroying
 * the stream stops the transfer and closes the file.
 */
export class FileStream extends Readable {
  /** Bytes the stream delivers. */
  readonly length: number
  private readonly handle: FileHandle
  private position: number
  private remaining: number
  private piped = false

  private readonly chunkSize: number

  private constructor(handle: FileHandle, range: FileRange, chunkSize: number) {
    super({ highWaterMark: chunkSize })
    this.chunkSize = chunkSize
    this.handle = handle
    this.position = range.start
    this.length = range.end - range.start + 1
    this.remaining = this.length
  }

  /**
   * Opens `path` for reading `range` (the whole file when omitted; `end` past the end of file is
   * cut to it). Rejects as `open` does, with `code` `ENOENT` when the file is missing.
   * `chunkSize` is the read size (default {@link FILE_CHUNK}); three such buffers are kept for
   * the next send once one ends.
   */
  static async open(
    path: string,
    range?: FileRange,
    options: { chunkSize?: number } = {},
  ): Promise<FileStream> {
    const handle = await open(path, 'r')
    try {
      const { size } = await handle.stat()
      const start = range?.start ?? 0
      const end = Math.min(range?.end ?? size - 1, size - 1)
      const chunkSize = options.chunkSize ?? FILE_CHUNK
      return new FileStream(handle, { start, end: Math.max(end, start - 1) }, chunkSize)
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  /** Reads the next chunk into `into`; fails when the file ends before the range does. */
  private async readInto(into: Buffer): Promise<Buffer> {
    const want = Math.min(into.length, this.remaining)
    const { bytesRead } = await this.handle.read(into, 0, want, this.position)
    if (bytesRead === 0) throw new Error(`file ended ${this.remaining} bytes early`)
    this.position += bytesRead
    this.remaining -= bytesRead
    return into.subarray(0, bytesRead)
  }

  override _read(): void {
    if (this.remaining === 0) {
      this.push(null)
      return
    }
    this.readInto(Buffer.allocUnsafeSlow(Math.min(this.chunkSize, this.remaining))).then(
      (chunk) => this.push(chunk),
      (error: unknown) => this.destroy(error as Error),
    )
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    // FileHandle.close waits for a read in progress.
    this.handle.close().then(
      () => done(error),
      (closeError: unknown) => done(error ?? (closeError as Error)),
    )
  }

  /**
   * Sends the data to `destination` with reused buffers (see the class comment). Only one
   * destination; piping after reading started, or twice, falls back to Readable's own pipe.
   */
  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    if (this.piped || this.readableFlowing !== null || this.readableLength > 0) {
      return super.pipe(destination, options)
    }
    this.piped = true
    const writable = destination as unknown as Writable
    this.sendTo(writable).then(
      (complete) => {
        if (this.destroyed) return
        if (!complete) {
          this.destroy()
          return
        }
        if (options?.end !== false) writable.end()
        // Nothing was pushed: ending and resuming emits 'end' (then 'close') right away.
        this.push(null)
        this.resume()
      },
      (error: unknown) => {
        if (!this.destroyed) this.destroy(error as Error)
      },
    )
    return destination
  }

  /** Writes every byte to `destination`; false when it closed (or this stream was destroyed). */
  private async sendTo(destination: Writable): Promise<boolean> {
    const inFlight: Promise<Buffer | undefined>[] = []
    const free: Buffer[] = []
    let onClose = (): void => undefined
    // A destination that closes may never call back for the writes it still held.
    const closed = new Promise<undefined>((resolve) => (onClose = () => resolve(undefined)))
    let isClosed = false
    closed.then(
      () => (isClosed = true),
      () => undefined,
    )
    destination.once('close', onClose)
    const stopped = () => isClosed || this.destroyed || destination.destroyed
    try {
      while (this.remaining > 0) {
        if (stopped()) return false
        let chunk = free.pop()
        if (!chunk && inFlight.length < CHUNKS_PER_SEND) chunk = takeChunk(this.chunkSize)
        if (!chunk) {
          chunk = await Promise.race([inFlight.shift(), closed])
          if (!chunk) continue
        }
        const data = await this.readInto(chunk)
        if (stopped()) return false
        const buffer = chunk
        inFlight.push(
          new Promise((resolve) => {
            destination.write(data, (error) => resolve(error ? undefined : buffer))
          }),
        )
      }
      const written = await Promise.race([Promise.all(inFlight), closed])
      for (const buffer of written ?? []) if (buffer) free.push(buffer)
      return written !== undefined
    } finally {
      destination.off('close', onClose)
      for (const buffer of free) giveBack(buffer)
    }
  }
}
