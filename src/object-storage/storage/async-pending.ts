/** @module object-storage/storage/async-pending: container updates kept on a device until they land */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'

/** One object row a container server must learn (Swift's async_pending update). */
export interface ContainerUpdate {
  account: string
  container: string
  object: string
  createdAt: string
  size: number
  contentType: string
  etag: string
  deleted: boolean
}

/** A saved update and the file holding it. */
export interface PendingUpdate {
  file: string
  update: ContainerUpdate
}

const DIR = 'async_pending'

function isUpdate(value: unknown): value is ContainerUpdate {
  const v = value as Partial<ContainerUpdate> | null
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.account === 'string' &&
    typeof v.container === 'string' &&
    typeof v.object === 'string' &&
    typeof v.createdAt === 'string' &&
    typeof v.size === 'number' &&
    typeof v.contentType === 'string' &&
    typeof v.etag === 'string' &&
    typeof v.deleted === 'boolean'
  )
}

/**
 * Saves an update under `<device>/async_pending/<suffix>/<hash>-<timestamp>` durably (temporary
 * name, fsync, rename) before the client is answered, as Swift's object server does.
 */
export async function savePendingUpdate(
  devicePath: string,
  hash: string,
  update: ContainerUpdate,
): Promise<string> {
  const dir = join(devicePath, DIR, hash.slice(-3))
  await mkdir(dir, { recursive: true })
  const file = join(dir, `${hash}-${update.createdAt}`)
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`
  const handle = await open(temp, 'w')
  try {
    await handle.writeFile(JSON.stringify(update))
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temp, file)
  return file
}

/** Every saved update on a device, oldest name first; unreadable files are reported, not thrown. */
export async function* pendingUpdates(
  devicePath: string,
  onBadFile: (file: string) => void = () => undefined,
): AsyncIterable<PendingUpdate> {
  const root = join(devicePath, DIR)
  for (const suffix of (await readdir(root).catch(() => [] as string[])).sort()) {
    const names = await readdir(join(root, suffix)).catch(() => [] as string[])
    for (const name of names.filter((n) => !n.endsWith('.tmp')).sort()) {
      const file = join(root, suffix, name)
      const text = await readFile(file, 'utf8').catch(() => undefined)
      let parsed: unknown
      try {
        parsed = text === undefined ? undefined : JSON.parse(text)
      } catch {
        parsed = undefined
      }
      if (isUpdate(parsed)) yield { file, update: parsed }
      else if (text !== undefined) onBadFile(file)
    }
  }
}

/** Drops an update once every container replica has it. */
export async function removePendingUpdate(file: string): Promise<void> {
  await rm(file, { force: true })
}
