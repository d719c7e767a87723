/** @module compute/virt/file-snapshot: a snapshot a driver wrote to a file, streamed and then removed */
import { createReadStream } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import type { GuestSnapshot } from './compute-driver.js'

/** The file at `path` as a snapshot in the given formats; `release` removes it. */
export async function fileSnapshot(
  path: string,
  formats: Pick<GuestSnapshot, 'diskFormat' | 'containerFormat'>,
): Promise<GuestSnapshot> {
  try {
    const { size } = await stat(path)
    const data = createReadStream(path)
    return {
      data,
      size,
      ...formats,
      async release() {
        data.destroy()
        await rm(path, { force: true })
      },
    }
  } catch (error) {
    await rm(path, { force: true })
    throw error
  }
}
