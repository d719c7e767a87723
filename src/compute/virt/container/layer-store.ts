/** @module compute/virt/container/layer-store: docker-format images unpacked once each into a read-only tree */
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises'
import { basename, dirname, join, relative } from 'node:path'
import { exec } from '../../../core/sys/exec.js'
import { ImageArchiveError, readImageArchive, type ImageRunConfig } from './docker-archive.js'

/** An unpacked image: the merged tree of its layers and how it runs. */
export interface StoredImage {
  rootfs: string
  config: ImageRunConfig
}

const SAFE_ID = /^[\w.-]+$/
const WHITEOUT = '.wh.'
const OPAQUE = '.wh..wh..opq'

/** Removes `rel` under `root`, refusing any path that resolves outside it (through `..` or links). */
async function removeInside(root: string, rel: string, contentsOnly: boolean): Promise<void> {
  const parent = await realpath(join(root, dirname(rel))).catch(() => undefined)
  if (parent === undefined) return
  const back = relative(root, parent)
  if (back.startsWith('..')) return
  const target = rel === '.' || rel === '' ? parent : join(parent, basename(rel))
  if (!contentsOnly) {
    await rm(target, { recursive: true, force: true })
    return
  }
  const real = await realpath(target).catch(() => undefined)
  if (real === undefined || relative(root, real).startsWith('..')) return
  for (const name of await readdir(real).catch(() => [] as string[])) {
    await rm(join(real, name), { recursive: true, force: true })
  }
}

function normalize(member: string): string {
  return member.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '')
}

/**
 * Refuses a layer that would write through a symbolic link left by the layers below (tar follows
 * those, so a link to `/etc` and a file under it would write on the host), unless the layer makes
 * that path a directory first (tar then replaces the link). Hard link targets are checked too.
 */
async function checkNoSymlinkWrites(rootfs: string, layer: string, members: string[]) {
  const { stdout } = await exec('tar', ['-t', '-v', '-f', layer], {
    timeoutMs: 600_000,
    maxOutputBytes: 256 * 1024 * 1024,
  })
  const targets: string[] = []
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('h')) continue
    const match = / link to (.*)$/.exec(line)
    if (match?.[1]) targets.push(normalize(match[1]))
  }
  const made = new Set<string>()
  const safe = new Set<string>()
  for (const path of [...members, ...targets]) {
    const parts = path.split('/')
    for (let i = 1; i < parts.length; i += 1) {
      const prefix = parts.slice(0, i).join('/')
      if (made.has(prefix) || safe.has(prefix)) continue
      const info = await lstat(join(rootfs, prefix)).catch(() => undefined)
      if (info?.isSymbolicLink()) {
        throw new ImageArchiveError(
          `an image layer writes ${path} through ${prefix}, a symbolic link of a lower layer`,
        )
      }
      safe.add(prefix)
    }
    made.add(path)
  }
}

/**
 * Applies one layer tar onto `rootfs`: its whiteouts first (`.wh.<name>` deletes a file of the
 * layers below, `.wh..wh..opq` empties a directory of them), then its files.
 */
export async function applyLayer(rootfs: string, layer: string): Promise<void> {
  const { stdout } = await exec('tar', ['-t', '-f', layer], {
    timeoutMs: 600_000,
    maxOutputBytes: 256 * 1024 * 1024,
  })
  const members = stdout
    .split('\n')
    .filter((line) => line !== '')
    .map(normalize)
  await checkNoSymlinkWrites(rootfs, layer, members)
  for (const member of members) {
    const name = basename(member)
    if (!name.startsWith(WHITEOUT)) continue
    const dir = dirname(member)
    if (dir.split('/').includes('..')) continue
    if (name === OPAQUE) await removeInside(rootfs, dir, true)
    else await removeInside(rootfs, join(dir, name.slice(WHITEOUT.length)), false)
  }
  await exec(
    'tar',
    ['-x', '--numeric-owner', '--same-owner', '-p', '--exclude=.wh.*', '-f', layer, '-C', rootfs],
    { timeoutMs: 600_000 },
  )
}

/** Images kept unpacked in `dir`, one tree per image id, written whole or not at all. */
export class LayerStore {
  private readonly inflight = new Map<string, Promise<StoredImage>>()

  constructor(private readonly dir: string) {}

  /**
   * The unpacked image `id`. On first use `archive(scratch)` fetches the image archive into
   * folder `scratch` and returns its path; it is removed once unpacked.
   */
  async get(id: string, archive: (scratch: string) => Promise<string>): Promise<StoredImage> {
    if (!SAFE_ID.test(id)) throw new Error(`image id ${JSON.stringify(id)} is not a safe file name`)
    const found = await this.read(id)
    if (found) return found
    const running = this.inflight.get(id)
    if (running) return running
    const unpacking = this.unpack(id, archive).finally(() => this.inflight.delete(id))
    this.inflight.set(id, unpacking)
    return unpacking
  }

  private async read(id: string): Promise<StoredImage | undefined> {
    const config = await readFile(join(this.dir, id, 'image.json'), 'utf8').catch(() => undefined)
    if (config === undefined) return undefined
    return { rootfs: join(this.dir, id, 'rootfs'), config: JSON.parse(config) as ImageRunConfig }
  }

  private async unpack(
    id: string,
    archive: (scratch: string) => Promise<string>,
  ): Promise<StoredImage> {
    const partial = join(this.dir, `.${id}.part-${process.pid}-${Date.now()}`)
    try {
      await mkdir(join(partial, 'download'), { recursive: true })
      const file = await archive(join(partial, 'download'))
      const contents = await readImageArchive(file, join(partial, 'archive'))
      const rootfs = join(partial, 'rootfs')
      await mkdir(rootfs, { recursive: true })
      await chmod(rootfs, 0o755)
      for (const layer of contents.layers) await applyLayer(rootfs, layer)
      await rm(join(partial, 'archive'), { recursive: true, force: true })
      await rm(join(partial, 'download'), { recursive: true, force: true })
      await writeFile(join(partial, 'image.json'), JSON.stringify(contents.config))
      await rename(partial, join(this.dir, id))
    } catch (error) {
      await rm(partial, { recursive: true, force: true })
      throw error
    }
    const stored = await this.read(id)
    if (!stored) throw new Error(`image ${id} vanished from the layer store`)
    return stored
  }

  /** Whether image `id` is unpacked. */
  async has(id: string): Promise<boolean> {
    return stat(join(this.dir, id, 'image.json')).then(
      () => true,
      () => false,
    )
  }
}
