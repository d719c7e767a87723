/** @module compute/images/cpio-archive: writes a cpio archive in the "newc" format an initramfs uses */

/** One archive member. Paths are relative, without a leading slash (`bin/busybox`). */
export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Buffer; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number }

const S_IFDIR = 0o040000
const S_IFREG = 0o100000
const S_IFLNK = 0o120000
const S_IFCHR = 0o020000

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0')
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4)
}

function member(
  ino: number,
  name: string,
  fields: { mode: number; data: Buffer; rdev?: [number, number] },
): Buffer[] {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8')
  const header = Buffer.from(
    '070701' +
      [
        ino,
        fields.mode,
        0, // uid: root
        0, // gid
        fields.mode & S_IFDIR ? 2 : 1,
        0, // mtime: fixed, so that the same inputs give the same archive
        fields.data.length,
        0,
        0,
        fields.rdev?.[0] ?? 0,
        fields.rdev?.[1] ?? 0,
        nameBytes.length,
        0,
      ]
        .map(hex8)
        .join(''),
    'ascii',
  )
  return [
    header,
    nameBytes,
    pad4(header.length + nameBytes.length),
    fields.data,
    pad4(fields.data.length),
  ]
}

/** Renders `entries` (in order: parents before children) as one newc archive with its trailer. */
export function cpioArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = []
  entries.forEach((entry, index) => {
    const ino = index + 1
    const name = entry.path.replace(/^\/+/, '')
    if (entry.kind === 'dir') {
      parts.push(
        ...member(ino, name, { mode: S_IFDIR | (entry.mode ?? 0o755), data: Buffer.alloc(0) }),
      )
    } else if (entry.kind === 'file') {
      parts.push(...member(ino, name, { mode: S_IFREG | (entry.mode ?? 0o644), data: entry.data }))
    } else if (entry.kind === 'symlink') {
      parts.push(
        ...member(ino, name, { mode: S_IFLNK | 0o777, data: Buffer.from(entry.target, 'utf8') }),
      )
    } else {
      parts.push(
        ...member(ino, name, {
          mode: S_IFCHR | (entry.mode ?? 0o600),
          data: Buffer.alloc(0),
          rdev: [entry.major, entry.minor],
        }),
      )
    }
  })
  parts.push(...member(0, 'TRAILER!!!', { mode: 0, data: Buffer.alloc(0) }))
  return Buffer.concat(parts)
}

/** Thrown for bytes that are not a newc archive (or one cut short). */
export class CpioFormatError extends Error {}

/**
 * Reads the members of a newc archive written by {@link cpioArchive} or any newc writer (the
 * first archive of a concatenated initramfs; everything after its trailer is ignored).
 * File data are views into `archive`. Hard links and special files other than character
 * devices are refused.
 */
export function readCpioArchive(archive: Buffer): CpioEntry[] {
  const entries: CpioEntry[] = []
  let at = 0
  const field = (header: string, index: number) =>
    Number.parseInt(header.slice(6 + index * 8, 14 + index * 8), 16)
  for (;;) {
    if (at + 110 > archive.length) throw new CpioFormatError(`archive cut short at byte ${at}`)
    const header = archive.toString('ascii', at, at + 110)
    if (header.slice(0, 6) !== '070701' && header.slice(0, 6) !== '070702') {
      throw new CpioFormatError(`no newc header at byte ${at}`)
    }
    const mode = field(header, 1)
    const size = field(header, 6)
    const nameSize = field(header, 11)
    const nameStart = at + 110
    const name = archive.toString('utf8', nameStart, nameStart + nameSize - 1)
    const dataStart = nameStart + nameSize + ((4 - ((110 + nameSize) % 4)) % 4)
    const dataEnd = dataStart + size
    if (dataEnd > archive.length) throw new CpioFormatError(`member ${name} is cut short`)
    at = dataEnd + ((4 - (size % 4)) % 4)
    if (name === 'TRAILER!!!') return entries
    const path = name.replace(/^\.?\/+/, '')
    if (path === '' || path === '.') continue
    if (path.split('/').includes('..')) throw new CpioFormatError(`member ${name} leaves the root`)
    const perm = mode & 0o7777
    const data = archive.subarray(dataStart, dataEnd)
    switch (mode & 0o170000) {
      case S_IFDIR:
        entries.push({ kind: 'dir', path, mode: perm })
        break
      case S_IFREG:
        entries.push({ kind: 'file', path, data, mode: perm })
        break
      case S_IFLNK:
        entries.push({ kind: 'symlink', path, target: data.toString('utf8') })
        break
      case S_IFCHR:
        entries.push({
          kind: 'chardev',
          path,
          major: field(header, 9),
          minor: field(header, 10),
          mode: perm,
        })
        break
      default:
        throw new CpioFormatError(
          `member ${name} has an unsupported type (mode ${mode.toString(8)})`,
        )
    }
  }
}
