/** @module object-storage/storage/directory-sync: directory fsyncs shared by concurrent writers */
import { open } from 'node:fs/promises'

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
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
