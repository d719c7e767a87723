/** @module bench/image-disk: the disk's own sequential write and read speeds, and cache control */
import { spawn } from 'node:child_process'
import { createReadStream, createWriteStream } from 'node:fs'

/** Read and write size of the probes, as `dd bs=4M`. */
export const PROBE_CHUNK = 4 * 1024 * 1024

/** Yields `bytes` bytes from one random block, so generating data costs nothing measurable. */
export function* payload(bytes: number, block: Buffer): Generator<Buffer> {
  for (let sent = 0; sent < bytes; sent += block.length) {
    yield bytes - sent >= block.length ? block : block.subarray(0, bytes - sent)
  }
}

/** Writes `bytes` to `path` in 4 MiB writes and fsyncs it before resolving. */
export async function diskWrite(path: string, bytes: number, block: Buffer): Promise<void> {
  const out = createWriteStream(path, { flush: true, highWaterMark: PROBE_CHUNK })
  for (const chunk of payload(bytes, block)) {
    if (!out.write(chunk)) await new Promise<void>((done) => out.once('drain', () => done()))
  }
  await new Promise<void>((done, fail) => out.end((e?: Error | null) => (e ? fail(e) : done())))
}

async function dd(args: string[]): Promise<void> {
  const child = spawn('dd', [...args, 'status=none'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  const code = await new Promise<number | null>((done) => child.once('exit', done))
  if (code !== 0) throw new Error(`dd ${args.join(' ')} exited with ${code}: ${stderr.trim()}`)
}

/** Reads the file with O_DIRECT through dd, bypassing the page cache: the disk's own speed. */
export async function directRead(path: string): Promise<void> {
  await dd([`if=${path}`, 'of=/dev/null', 'bs=4M', 'iflag=direct'])
}

/** Reads the file in 4 MiB chunks and drops them, as a client saving to /dev/null would. */
export async function streamRead(path: string): Promise<void> {
  for await (const _chunk of createReadStream(path, { highWaterMark: PROBE_CHUNK })) {
    // read and drop
  }
}

/** Evicts one file's pages from the page cache (GNU dd `iflag=nocache`, no other file). */
export async function dropFileCache(path: string): Promise<void> {
  await dd([`if=${path}`, 'iflag=nocache', 'count=0'])
}
