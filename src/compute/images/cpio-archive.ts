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
