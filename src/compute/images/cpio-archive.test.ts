/** @module compute/images/cpio-archive.test: newc archives as the kernel and cpio read them */
import { describe, expect, it } from 'vitest'
import { cpioArchive, CpioFormatError, readCpioArchive, type CpioEntry } from './cpio-archive.js'

describe('cpioArchive', () => {
  it('writes newc headers, 4-byte aligned names and data, and a trailer', () => {
    const archive = cpioArchive([
      { kind: 'dir', path: 'bin' },
      { kind: 'file', path: 'bin/hello', data: Buffer.from('hi!'), mode: 0o755 },
      { kind: 'symlink', path: 'bin/sh', target: 'hello' },
      { kind: 'chardev', path: 'console', major: 5, minor: 1 },
    ])
    const text = archive.toString('latin1')
    expect(text.startsWith('070701')).toBe(true)
    expect(archive.length % 4).toBe(0)
    const file = text.indexOf('bin/hello\0')
    const header = text.slice(file - 110, file)
    expect(header.slice(0, 6)).toBe('070701')
    expect(parseInt(header.slice(14, 22), 16)).toBe(0o100755)
    expect(parseInt(header.slice(54, 62), 16)).toBe(3)
    const dataStart = file + 10 + ((4 - ((110 + 10) % 4)) % 4)
    expect(text.slice(dataStart, dataStart + 3)).toBe('hi!')
    const dev = text.indexOf('console\0')
    const devHeader = text.slice(dev - 110, dev)
    expect(parseInt(devHeader.slice(78, 86), 16)).toBe(5)
    expect(parseInt(devHeader.slice(86, 94), 16)).toBe(1)
    expect(text).toContain('TRAILER!!!\0')
  })
})

describe('readCpioArchive', () => {
  it('reads back every kind of member the writer wrote, in order', () => {
    const entries: CpioEntry[] = [
      { kind: 'dir', path: 'bin', mode: 0o755 },
      { kind: 'file', path: 'bin/hello', data: Buffer.from('hi!'), mode: 0o755 },
      { kind: 'file', path: 'etc/empty', data: Buffer.alloc(0), mode: 0o600 },
      { kind: 'symlink', path: 'bin/sh', target: 'hello' },
      { kind: 'chardev', path: 'dev/console', major: 5, minor: 1, mode: 0o600 },
    ]
    const read = readCpioArchive(cpioArchive(entries))
    expect(read.map((e) => (e.kind === 'file' ? { ...e, data: e.data.toString() } : e))).toEqual(
      entries.map((e) => (e.kind === 'file' ? { ...e, data: e.data.toString() } : e)),
    )
  })

  it('stops at the trailer and refuses bytes that are not newc or are cut short', () => {
    const archive = cpioArchive([{ kind: 'file', path: 'a', data: Buffer.from('abc') }])
    expect(readCpioArchive(Buffer.concat([archive, Buffer.from('junk after')]))).toHaveLength(1)
    expect(() => readCpioArchive(Buffer.from('not an archive at all'))).toThrow(CpioFormatError)
    expect(() => readCpioArchive(archive.subarray(0, 120))).toThrow(CpioFormatError)
    const escape = cpioArchive([{ kind: 'file', path: '../x', data: Buffer.from('x') }])
    expect(() => readCpioArchive(escape)).toThrow(/leaves the root/)
  })
})
