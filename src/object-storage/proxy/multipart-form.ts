/** @module object-storage/proxy/multipart-form: a streaming reader of multipart/form-data bodies */

/** One part of a form: its headers (names lower-cased) and its bytes. */
export interface FormPart {
  headers: Record<string, string>
  /** Read it before asking for the next part, or leave it: the reader skips what was not read. */
  body: AsyncIterable<Buffer>
}

/** The body does not start with the boundary (Swift's MimeInvalid). */
export class FormBoundaryError extends Error {
  override name = 'FormBoundaryError'
}

/** The body ends inside a part, or a header line is malformed or too long. */
export class FormSyntaxError extends Error {
  override name = 'FormSyntaxError'
}

const MAX_LINE = 8192

class Scanner {
  private buffer: Buffer = Buffer.alloc(0)
  private ended = false
  private readonly source: AsyncIterator<Buffer | string>

  constructor(source: AsyncIterable<Buffer | string>) {
    this.source = source[Symbol.asyncIterator]()
  }

  private async more(): Promise<boolean> {
    if (this.ended) return false
    const next = await this.source.next()
    if (next.done) {
      this.ended = true
      return false
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    return true
  }

  /** A line without its CRLF (or LF); undefined at the end of the stream. */
  async line(): Promise<string | undefined> {
    for (;;) {
      const at = this.buffer.indexOf(0x0a)
      if (at >= 0) {
        const line = this.buffer.subarray(0, at)
        this.buffer = this.buffer.subarray(at + 1)
        return line.toString('utf8').replace(/\r$/, '')
      }
      if (this.buffer.length > MAX_LINE) throw new FormSyntaxError('header line too long')
      if (!(await this.more())) {
        if (this.buffer.length === 0) return undefined
        const rest = this.buffer.toString('utf8')
        this.buffer = Buffer.alloc(0)
        return rest
      }
    }
  }

  /** The bytes before `delimiter`, as they arrive; the delimiter itself is consumed. */
  async *until(delimiter: Buffer): AsyncIterable<Buffer> {
    for (;;) {
      const at = this.buffer.indexOf(delimiter)
      if (at >= 0) {
        if (at > 0) yield this.buffer.subarray(0, at)
        this.buffer = this.buffer.subarray(at + delimiter.length)
        return
      }
      // Keep a tail that could be the start of the delimiter.
      const safe = this.buffer.length - delimiter.length + 1
      if (safe > 0) {
        const piece = this.buffer.subarray(0, safe)
        this.buffer = this.buffer.subarray(safe)
        yield piece
      }
      if (!(await this.more())) throw new FormSyntaxError('unexpected end of form data')
    }
  }
}

/** Reads the parts of a multipart body whose parts are separated by `--<boundary>`. */
export async function* readMultipart(
  source: AsyncIterable<Buffer | string>,
  boundary: string,
): AsyncGenerator<FormPart> {
  const scanner = new Scanner(source)
  const dash = `--${boundary}`
  const delimiter = Buffer.from(`\r\n${dash}`)
  let first = await scanner.line()
  while (first === '') first = await scanner.line()
  if (first === undefined || first.trim() !== dash) throw new FormBoundaryError()
  for (;;) {
    const headers: Record<string, string> = {}
    for (;;) {
      const line = await scanner.line()
      if (line === undefined) throw new FormSyntaxError('unexpected end of form data')
      if (line === '') break
      const colon = line.indexOf(':')
      if (colon <= 0) throw new FormSyntaxError('invalid part header')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const inner = scanner.until(delimiter)[Symbol.asyncIterator]()
    // A reader that stops early must not close the scan: the rest of the part is skipped below.
    const body: AsyncIterable<Buffer> = {
      [Symbol.asyncIterator]: () => ({
        next: () => inner.next(),
        return: async () => ({ done: true as const, value: undefined }),
      }),
    }
    yield { headers, body }
    while (!(await inner.next()).done);
    const after = await scanner.line()
    if (after === undefined || after.startsWith('--')) return
  }
}

/** `form-data; name="a"; filename="b"` as a value and its parameters. */
export function parseDisposition(value: string): { value: string; params: Record<string, string> } {
  const [first = '', ...rest] = value.split(';')
  const params: Record<string, string> = {}
  for (const part of rest) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    const key = part.slice(0, eq).trim().toLowerCase()
    let v = part.slice(eq + 1).trim()
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1)
    params[key] = v
  }
  return { value: first.trim().toLowerCase(), params }
}
