/** @module object-storage/proxy/tar-reader: a streaming reader of ustar, GNU and pax tar archives */

/** One member of an archive. */
export interface TarEntry {
  /** Path inside the archive (pax `path` and GNU long names applied). */
  name: string
  size: number
  kind: 'file' | 'directory' | 'other'
  /** The entry's pax extended header records (`SCHILY.xattr.user.meta.color`, ...). */
  pax: Record<string, string>
  /**
   * The entry's bytes; read them before asking for the next entry or leave them: the reader
   * skips what was not read.
   */
  body: AsyncIterable<Buffer>
}

/** The bytes are not a tar archive, or it ends early. */
export class TarFormatError extends Error {
  override name = 'TarFormatError'
}

const BLOCK = 512

/** Pulls exact byte counts from a stream of chunks. */
class ByteReader {
  private chunks: Buffer[] = []
  private buffered = 0
  private ended = false
  private readonly source: AsyncIterator<Buffer | string>

  constructor(source: AsyncIterable<Buffer | string>) {
    this.source = source[Symbol.asyncIterator]()
  }

  /** Buffers at least `n` bytes; false when the stream ends first. */
  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.ended) {
      const next = await this.source.next()
      if (next.done) {
        this.ended = true
        break
      }
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value
      this.chunks.push(chunk)
      this.buffered += chunk.length
    }
    return this.buffered >= n
  }

  /** Up to `n` buffered bytes, at least one unless the stream ended. */
  private async piece(n: number): Promise<Buffer | undefined> {
    if (this.buffered === 0 && !(await this.fill(1))) return undefined
    const first = this.chunks[0] as Buffer
    if (first.length <= n) {
      this.chunks.shift()
      this.buffered -= first.length
      return first
    }
    this.chunks[0] = first.subarray(n)
    this.buffered -= n
    return first.subarray(0, n)
  }

  /** Exactly `n` bytes, or undefined at a clean end of stream (nothing buffered). */
  async take(n: number): Promise<Buffer | undefined> {
    if (!(await this.fill(n))) {
      if (this.buffered === 0) return undefined
      throw new TarFormatError('unexpected end of data')
    }
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks)
    this.chunks = all.length > n ? [all.subarray(n)] : []
    this.buffered -= n
    return all.subarray(0, n)
  }

  /** `n` bytes as they arrive. */
  async *stream(n: number): AsyncIterable<Buffer> {
    let left = n
    while (left > 0) {
      const piece = await this.piece(left)
      if (!piece) throw new TarFormatError('unexpected end of data')
      left -= piece.length
      yield piece
    }
  }

  async skip(n: number): Promise<void> {
    for await (const piece of this.stream(n)) void piece
  }
}

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length)
  const end = field.indexOf(0)
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8')
}

function octal(block: Buffer, start: number, length: number, what: string): number {
  const field = block.subarray(start, start + length)
  // GNU base-256: the high bit of the first byte set, big-endian binary follows.
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f
    for (const byte of field.subarray(1)) value = value * 256 + byte
    return value
  }
  const digits = text(block, start, length).trim()
  if (digits === '') return 0
  if (!/^[0-7]+$/.test(digits)) throw new TarFormatError(`invalid ${what} field`)
  return Number.parseInt(digits, 8)
}

function checksumOk(block: Buffer): boolean {
  const digits = text(block, 148, 8).trim()
  if (!/^[0-7]+$/.test(digits)) return false
  const stored = Number.parseInt(digits, 8)
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] ?? 0)
  return sum === stored
}

/** Parses pax records: `<length> <key>=<value>\n`, length counting the whole record. */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {}
  let at = 0
  while (at < data.length) {
    const space = data.indexOf(0x20, at)
    if (space < 0) break
    const length = Number(data.subarray(at, space).toString('ascii'))
    if (!Number.isInteger(length) || length <= 0 || at + length > data.length)
      throw new TarFormatError('invalid pax header')
    const record = data.subarray(space + 1, at + length - 1).toString('utf8')
    const eq = record.indexOf('=')
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1)
    at += length
  }
  return out
}

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK

/** Small metadata members (pax headers, GNU long names) are read whole, up to this size. */
const MAX_META_MEMBER = 1024 * 1024

/** Reads the members of a tar stream in order. */
export async function* readTar(source: AsyncIterable<Buffer | string>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source)
  let longName: string | undefined
  let pax: Record<string, string> = {}
  let globalPax: Record<string, string> = {}
  for (;;) {
    const block = await reader.take(BLOCK)
    if (!block) {
      // A stream without the end-of-archive blocks: tolerated as tar implementations do.
      return
    }
    if (block.every((b) => b === 0)) return
    if (!checksumOk(block)) throw new TarFormatError('checksum mismatch in a member header')
    const type = String.fromCharCode(block[156] ?? 0)
    let size = octal(block, 124, 12, 'size')
    if (type === 'x' || type === 'g' || type === 'L') {
      if (size > MAX_META_MEMBER) throw new TarFormatError('metadata member too large')
      const data = size === 0 ? Buffer.alloc(0) : ((await reader.take(size)) ?? Buffer.alloc(0))
      await reader.skip(padding(size))
      if (type === 'L') longName = text(data, 0, data.length)
      else if (type === 'x') pax = { ...pax, ...parsePax(data) }
      else globalPax = { ...globalPax, ...parsePax(data) }
      continue
    }
    const magic = block.subarray(257, 262).toString('ascii')
    const prefix = magic === 'ustar' ? text(block, 345, 155) : ''
    const headerName = prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100)
    const records = { ...globalPax, ...pax }
    const name = records['path'] ?? longName ?? headerName
    if (records['size'] !== undefined) {
      if (!/^\d+$/.test(records['size'])) throw new TarFormatError('invalid pax size')
      size = Number(records['size'])
    }
    longName = undefined
    pax = {}
    const kind =
      type === '0' || type === '\0' || type === '7' ? 'file' : type === '5' ? 'directory' : 'other'
    // Links, devices, directories and fifos carry no data, whatever their size field says.
    const dataSize = '123456'.includes(type) ? 0 : size
    let consumed = 0
    const body = (async function* () {
      for await (const piece of reader.stream(dataSize - consumed)) {
        consumed += piece.length
        yield piece
      }
    })()
    yield { name, size: dataSize, kind, pax: records, body }
    if (consumed < dataSize) await reader.skip(dataSize - consumed)
    await reader.skip(padding(dataSize))
  }
}
