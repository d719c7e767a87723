/** @module object-storage/test/tar-fixture: archives for extract-archive tests, made by GNU tar or by hand */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { exec } from '../../core/sys/exec.js'

/** Runs the system's `tar` over files written to a temporary folder; returns the archive. */
export async function gnuTar(
  files: Record<string, string | Buffer>,
  options: { gzip?: boolean; format?: 'gnu' | 'pax' | 'ustar'; cwdPrefix?: boolean } = {},
): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'nimbus-tar-'))
  try {
    const src = join(dir, 'src')
    await mkdir(src)
    for (const [name, data] of Object.entries(files)) {
      await mkdir(dirname(join(src, name)), { recursive: true })
      await writeFile(join(src, name), data)
    }
    const out = join(dir, 'archive')
    const members = options.cwdPrefix ? ['.'] : Object.keys(files).map((n) => n.split('/')[0] ?? n)
    await exec('tar', [
      `--format=${options.format ?? 'gnu'}`,
      options.gzip ? '-czf' : '-cf',
      out,
      '-C',
      src,
      ...new Set(members),
    ])
    return await readFile(out)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function header(name: string, size: number, type: string): Buffer {
  const block = Buffer.alloc(512)
  block.write(name, 0, 100, 'utf8')
  block.write('0000644\0', 100)
  block.write('0000000\0', 108)
  block.write('0000000\0', 116)
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124)
  block.write('00000000000\0', 136)
  block.write('        ', 148)
  block.write(type, 156)
  block.write('ustar\0', 257)
  block.write('00', 263)
  let sum = 0
  for (const byte of block) sum += byte
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  return block
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)])
}

function paxRecords(records: Record<string, string>): Buffer {
  const parts = Object.entries(records).map(([key, value]) => {
    const body = ` ${key}=${value}\n`
    let length = Buffer.byteLength(body) + 1
    while (String(length).length + Buffer.byteLength(body) !== length)
      length = String(length).length + Buffer.byteLength(body)
    return `${length}${body}`
  })
  return Buffer.from(parts.join(''))
}

/** One member of a hand-made archive. */
export interface HandEntry {
  name: string
  data?: string | Buffer
  type?: '0' | '5' | '2'
  pax?: Record<string, string>
}

/** A ustar archive built byte by byte (pax records where asked), ending in two zero blocks. */
export function handTar(entries: readonly HandEntry[]): Buffer {
  const blocks: Buffer[] = []
  for (const entry of entries) {
    if (entry.pax) {
      const records = paxRecords(entry.pax)
      blocks.push(header('PaxHeader', records.length, 'x'), padded(records))
    }
    const data = Buffer.from(entry.data ?? '')
    blocks.push(
      header(entry.name, entry.type === '0' || !entry.type ? data.length : 0, entry.type ?? '0'),
    )
    if (data.length > 0 && (entry.type ?? '0') === '0') blocks.push(padded(data))
  }
  blocks.push(Buffer.alloc(1024))
  return Buffer.concat(blocks)
}
