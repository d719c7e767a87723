/** @module object-storage/proxy/tar-reader.test: reads GNU, pax and ustar archives, refuses broken ones */
import { randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { gnuTar, handTar } from '../test/tar-fixture.js'
import { readTar, TarFormatError } from './tar-reader.js'

async function* chunked(data: Buffer, size: number): AsyncIterable<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size)
}

async function readAll(data: Buffer, chunk = 777) {
  const out: { name: string; kind: string; data: Buffer; pax: Record<string, string> }[] = []
  for await (const entry of readTar(chunked(data, chunk))) {
    const parts: Buffer[] = []
    for await (const piece of entry.body) parts.push(piece)
    out.push({ name: entry.name, kind: entry.kind, data: Buffer.concat(parts), pax: entry.pax })
  }
  return out
}

describe('tar reader', () => {
  const long = `${'d'.repeat(120)}/${'f'.repeat(150)}.txt`
  const big = randomBytes(70_000)

  for (const format of ['gnu', 'pax', 'ustar'] as const) {
    it(`reads the members of a ${format} archive made by GNU tar, in any chunking`, async () => {
      const files: Record<string, string | Buffer> = { 'c/a.txt': 'alpha', 'c/big.bin': big }
      if (format !== 'ustar') files[`c/${long}`] = 'long name'
      const archive = await gnuTar(files, { format })
      for (const size of [1, 511, 4096]) {
        const entries = await readAll(archive, size)
        const byName = new Map(entries.map((e) => [e.name, e]))
        expect(byName.get('c/a.txt')?.data.toString()).toBe('alpha')
        expect(byName.get('c/big.bin')?.data.equals(big)).toBe(true)
        expect(byName.get('c/')?.kind ?? byName.get('c')?.kind).toBe('directory')
        if (format !== 'ustar') expect(byName.get(`c/${long}`)?.data.toString()).toBe('long name')
      }
    })
  }

  it('skips bodies the caller does not read', async () => {
    const archive = handTar([
      { name: 'c/one', data: 'x'.repeat(1000) },
      { name: 'c/two', data: 'second' },
    ])
    const names: string[] = []
    let second = ''
    for await (const entry of readTar(chunked(archive, 100))) {
      names.push(entry.name)
      if (entry.name === 'c/two') for await (const p of entry.body) second += p.toString()
    }
    expect(names).toEqual(['c/one', 'c/two'])
    expect(second).toBe('second')
  })

  it('applies pax path and keeps the other records', async () => {
    const archive = handTar([
      { name: 'short', data: 'v', pax: { path: 'c/réel', 'SCHILY.xattr.user.meta.color': 'blue' } },
    ])
    const [entry] = await readAll(archive)
    expect(entry?.name).toBe('c/réel')
    expect(entry?.pax['SCHILY.xattr.user.meta.color']).toBe('blue')
  })

  it('refuses a corrupt header, a truncated member and gzip bytes given as tar', async () => {
    const archive = handTar([{ name: 'c/a', data: 'hello world' }])
    const corrupt = Buffer.from(archive)
    corrupt[10] = 0x41
    await expect(readAll(corrupt)).rejects.toThrow(TarFormatError)
    await expect(readAll(archive.subarray(0, 520))).rejects.toThrow(/unexpected end of data/)
    await expect(readAll(gzipSync(archive))).rejects.toThrow(TarFormatError)
  })
})
