/** @module compute/images/cpio-archive.test: newc archives as the kernel and cpio read them */
import { describe, expect, it } from 'vitest'
import { cpioArchive } from './cpio-archive.js'

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
