/** @module object-storage/proxy/ranges: the Range header, single and multiple byte ranges */
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { streamSegments, type ObjectBody } from './segments.js'

export interface ByteRange {
  start: number
  end: number
}

/**
 * Parses `bytes=a-b,c-,-n` against a size: undefined when malformed (the whole object is
 * served), 'unsatisfiable' when no range overlaps the object (416).
 */
export function parseRanges(
  value: string,
  size: number,
): ByteRange[] | 'unsatisfiable' | undefined {
  const match = /^\s*bytes\s*=\s*(.+)$/i.exec(value)
  if (!match?.[1]) return undefined
  const specs = match[1].split(',').map((s) => s.trim())
  const ranges: ByteRange[] = []
  for (const spec of specs) {
    const parts = /^(\d*)-(\d*)$/.exec(spec)
    if (!parts) return undefined
    const [, first = '', last = ''] = parts
    if (first === '' && last === '') return undefined
    if (first === '') {
      const suffix = Number(last)
      if (suffix === 0) continue
      ranges.push({ start: Math.max(size - suffix, 0), end: size - 1 })
      continue
    }
    const start = Number(first)
    const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
    if (last !== '' && Number(last) < start) return undefined
    if (start >= size) continue
    ranges.push({ start, end })
  }
  if (ranges.length === 0) return 'unsatisfiable'
  return ranges
}

/** A multipart/byteranges body of several ranges. */
export function multipartRanges(
  body: ObjectBody,
  ranges: readonly ByteRange[],
  contentType: string,
): { stream: Readable; contentType: string; length: number } {
  const boundary = randomBytes(16).toString('hex')
  const heads = ranges.map((r) =>
    Buffer.from(
      `--${boundary}\r\nContent-Type: ${contentType}\r\n` +
        `Content-Range: bytes ${r.start}-${r.end}/${body.size}\r\n\r\n`,
    ),
  )
  const tail = Buffer.from(`--${boundary}--`)
  const length =
    heads.reduce((sum, h) => sum + h.length, 0) +
    ranges.reduce((sum, r) => sum + r.end - r.start + 1 + 2, 0) +
    tail.length
  async function* parts(): AsyncGenerator<Buffer> {
    for (const [i, range] of ranges.entries()) {
      const head = heads[i]
      if (head) yield head
      for await (const chunk of await streamSegments(body.segments, range.start, range.end))
        yield chunk as Buffer
      yield Buffer.from('\r\n')
    }
    yield tail
  }
  return {
    stream: Readable.from(parts()),
    contentType: `multipart/byteranges;boundary=${boundary}`,
    length,
  }
}
