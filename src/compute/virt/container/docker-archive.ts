/** @module compute/virt/container/docker-archive: docker-format images (`docker save` or an OCI image layout tar), read and written */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { exec } from '../../../core/sys/exec.js'

/** How an image wants its process run (the `config` of a docker/OCI image configuration). */
export interface ImageRunConfig {
  Entrypoint?: string[] | null
  Cmd?: string[] | null
  Env?: string[] | null
  WorkingDir?: string
  User?: string
}

/** An unpacked image archive: its layer tars, bottom first, and its configuration. */
export interface ImageArchiveContents {
  format: 'docker-save' | 'oci-layout'
  layers: string[]
  config: ImageRunConfig
}

/** The archive is not a docker-format image. */
export class ImageArchiveError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ImageArchiveError'
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )

/** The path of archive member `path`, refusing one outside `root` itself or through a link. */
async function inside(root: string, path: string): Promise<string> {
  const outside = (full: string) => {
    const rel = relative(root, full)
    return rel === '' || rel === '..' || rel.startsWith('../') || isAbsolute(rel)
  }
  const full = resolve(root, path)
  const real = await realpath(full).catch(() => full)
  if (outside(full) || outside(real)) {
    throw new ImageArchiveError(`archive member ${JSON.stringify(path)} is outside the archive`)
  }
  return real
}

async function readJson(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown
  } catch (error) {
    throw new ImageArchiveError(
      `the image's ${what} is not readable JSON: ${(error as Error).message}`,
    )
  }
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ImageArchiveError(`the image's ${what} is not a JSON object`)
  }
  return value as Record<string, unknown>
}

function strings(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null
}

function runConfig(imageConfig: unknown): ImageRunConfig {
  const config = object(object(imageConfig, 'configuration')['config'] ?? {}, 'config')
  const result: ImageRunConfig = {
    Entrypoint: strings(config['Entrypoint']),
    Cmd: strings(config['Cmd']),
    Env: strings(config['Env']),
  }
  if (typeof config['WorkingDir'] === 'string') result.WorkingDir = config['WorkingDir']
  if (typeof config['User'] === 'string') result.User = config['User']
  return result
}

function blobPath(root: string, digest: unknown): Promise<string> {
  if (typeof digest !== 'string' || !/^[a-z0-9]+:[a-f0-9]{32,128}$/.test(digest)) {
    throw new ImageArchiveError(
      `the image names a blob with a bad digest ${JSON.stringify(digest)}`,
    )
  }
  const [algorithm, hex] = digest.split(':') as [string, string]
  return inside(root, join('blobs', algorithm, hex))
}

/**
 * Unpacks archive `path` into `dir` (which it creates) and finds the layers and configuration of
 * its (first) image. Throws an ImageArchiveError for anything that is not a docker-format image.
 */
export async function readImageArchive(path: string, dir: string): Promise<ImageArchiveContents> {
  await mkdir(dir, { recursive: true })
  try {
    await exec('tar', ['-x', '--no-same-owner', '-f', path, '-C', dir], { timeoutMs: 600_000 })
  } catch (error) {
    throw new ImageArchiveError(`the image is not a tar archive: ${(error as Error).message}`)
  }
  if (await exists(join(dir, 'manifest.json'))) {
    const manifest = await readJson(join(dir, 'manifest.json'), 'manifest.json')
    const first = object(Array.isArray(manifest) ? manifest[0] : undefined, 'manifest.json entry')
    const layers = strings(first['Layers'])
    if (typeof first['Config'] !== 'string' || !layers) {
      throw new ImageArchiveError('manifest.json names no Config and Layers')
    }
    const config = await readJson(await inside(dir, first['Config']), 'configuration')
    return {
      format: 'docker-save',
      layers: await Promise.all(layers.map((layer) => inside(dir, layer))),
      config: runConfig(config),
    }
  }
  if (await exists(join(dir, 'index.json'))) {
    let node = object(await readJson(join(dir, 'index.json'), 'index.json'), 'index.json')
    // an index may point to further indexes (one per platform): follow to linux/amd64 or the first
    for (let depth = 0; Array.isArray(node['manifests']); depth += 1) {
      if (depth > 4) throw new ImageArchiveError('the image index nests too deeply')
      const entries = (node['manifests'] as unknown[]).map((m) => object(m, 'index entry'))
      const chosen =
        entries.find((m) => {
          const platform = m['platform'] as { os?: string; architecture?: string } | undefined
          return platform?.os === 'linux' && platform.architecture === 'amd64'
        }) ?? entries[0]
      if (!chosen) throw new ImageArchiveError('the image index lists no manifest')
      node = object(await readJson(await blobPath(dir, chosen['digest']), 'manifest'), 'manifest')
    }
    const config = object(node['config'], 'manifest config')
    const layers = Array.isArray(node['layers']) ? (node['layers'] as unknown[]) : undefined
    if (!layers) throw new ImageArchiveError('the image manifest lists no layers')
    return {
      format: 'oci-layout',
      layers: await Promise.all(layers.map((l) => blobPath(dir, object(l, 'layer')['digest']))),
      config: runConfig(await readJson(await blobPath(dir, config['digest']), 'configuration')),
    }
  }
  throw new ImageArchiveError(
    'the archive has neither a manifest.json (docker save) nor an index.json (OCI image layout)',
  )
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Packs folder `rootfs` as the single layer of a `docker save` archive written to `target`
 * (`docker load` reads it), with `config` as how the image runs and `tag` as its name.
 */
export async function writeDockerArchive(options: {
  rootfs: string
  config: ImageRunConfig
  target: string
  tag?: string
}): Promise<void> {
  const work = await mkdtemp(join(dirname(options.target), '.docker-archive-'))
  try {
    const layerTar = join(work, 'layer.tar')
    await exec(
      'tar',
      ['-c', '--numeric-owner', '--xattrs', '-f', layerTar, '-C', options.rootfs, '.'],
      { timeoutMs: 600_000 },
    )
    const diffId = await sha256File(layerTar)
    await mkdir(join(work, diffId))
    await exec('mv', [layerTar, join(work, diffId, 'layer.tar')], { timeoutMs: 60_000 })
    await writeFile(join(work, diffId, 'VERSION'), '1.0')
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: new Date().toISOString(),
        config: options.config,
        rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
        history: [{ created: new Date().toISOString(), created_by: 'nimbus' }],
      }),
    )
    const configId = createHash('sha256').update(config).digest('hex')
    await writeFile(join(work, `${configId}.json`), config)
    const manifest = [
      {
        Config: `${configId}.json`,
        RepoTags: options.tag ? [options.tag] : null,
        Layers: [`${diffId}/layer.tar`],
      },
    ]
    await writeFile(join(work, 'manifest.json'), JSON.stringify(manifest))
    await exec(
      'tar',
      ['-c', '-f', options.target, '-C', work, 'manifest.json', `${configId}.json`, diffId],
      { timeoutMs: 600_000 },
    )
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
