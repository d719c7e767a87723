/** @module object-storage/storage/directory-sync: directory fsyncs shared by concurrent writers */
import { closeSync, fsync, openSync } from 'node:fs'
import { promisify } from 'node:util'

const fsyncFd = promisify(fsync)

/** Opening and closing a folder are page-cache work, done in place; the fsync waits on the pool. */
async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, 'r')
  try {
    await fsyncFd(fd)
  } finally {
    closeSync(fd)
  }
}

interface Pending {
  /** The fsync running now. */
  current: Promise<void>
  /** The fsync that starts when `current` ends, shared by every caller that came meanwhile. */
  next: Promise<void> | undefined
}

/**
 * Group commit of directory entries. `sync(dir)` resolves once an fsync of `dir` that started
 * after the call has completed, so every name created in `dir` before the call is durable. Callers
 * that arrive while an fsync of the same directory runs share the single one that follows it.
 */
export class DirectorySync {
  private readonly pending = new Map<string, Pending>()

  private start(dir: string): Promise<void> {
    const run: Promise<void> = fsyncDir(dir).finally(() => {
      const entry = this.pending.get(dir)
      if (entry && entry.current === run && entry.next === undefined) this.pending.delete(dir)
    })
    return run
  }

  sync(dir: string): Promise<void> {
    const entry = this.pending.get(dir)
    if (!entry) {
      const current = this.start(dir)
      this.pending.set(dir, { current, next: undefined })
      return current
    }
    entry.next ??= entry.current
      .catch(() => undefined)
      .then(() => {
        entry.next = undefined
        entry.current = this.start(dir)
        return entry.current
      })
    return entry.next
  }
}
