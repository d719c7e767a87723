/** @module compute/virt/container/layer-store.test: layers applied with their whiteouts; docker save and OCI layout archives read */
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { exec } from '../../../core/sys/exec.js'
import { readImageArchive, writeDockerArchive } from './docker-archive.js'
import { applyLayer, LayerStore } from './layer-store.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nimbus-layer-store-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function files(root: string, tree: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(tree)) {
    await mkdir(join(root, path, '..'), { recursive: true })
    await writeFile(join(root, path), text)
  }
}

async function layer(name: string, tree: Record<string, string>, gzip = false): Promise<string> {
  const src = join(dir, `${name}-src`)
  await mkdir(src, { recursive: true })
  await files(src, tree)
  const out = join(dir, `${name}.tar${gzip ? '.gz' : ''}`)
  await exec('tar', ['-c', ...(gzip ? ['-z'] : []), '-f', out, '-C', src, '.'])
  return out
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )

describe('applyLayer', () => {
  it('deletes whited-out files and empties opaque directories of the layers below', async () => {
    const rootfs = join(dir, 'rootfs')
    await mkdir(rootfs)
    await applyLayer(
      rootfs,
      await layer('one', { 'a.txt': 'a', 'd/x': 'x', 'd/y': 'y', 'keep/k': 'k' }),
    )
    await applyLayer(
      rootfs,
      await layer('two', { '.wh.a.txt': '', 'd/.wh..wh..opq': '', 'd/z': 'z', 'new.txt': 'n' }),
    )
    expect(await exists(join(rootfs, 'a.txt'))).toBe(false)
    expect((await readdir(join(rootfs, 'd'))).sort()).toEqual(['z'])
    expect(await readFile(join(rootfs, 'keep/k'), 'utf8')).toBe('k')
    expect(await readFile(join(rootfs, 'new.txt'), 'utf8')).toBe('n')
    expect((await readdir(rootfs)).filter((n) => n.startsWith('.wh.'))).toEqual([])
  })

  it('never deletes outside the tree through a symlink', async () => {
    const outside = join(dir, 'outside')
    await files(outside, { victim: 'still here' })
    const rootfs = join(dir, 'rootfs')
    await mkdir(rootfs)
    await symlink(outside, join(rootfs, 'link'))
    const evil = join(dir, 'evil-src')
    await mkdir(join(evil, 'link'), { recursive: true })
    await writeFile(join(evil, 'link', '.wh.victim'), '')
    await exec('tar', ['-c', '-f', join(dir, 'evil2.tar'), '-C', evil, 'link/.wh.victim'])
    await expect(applyLayer(rootfs, join(dir, 'evil2.tar'))).rejects.toThrow(/symbolic link/)
    expect(await readFile(join(outside, 'victim'), 'utf8')).toBe('still here')
  })

  it('refuses a layer writing through a symbolic link of a lower layer', async () => {
    const outside = join(dir, 'outside')
    await mkdir(outside)
    const rootfs = join(dir, 'rootfs')
    await mkdir(rootfs)
    await symlink(outside, join(rootfs, 'link'))
    const evil = join(dir, 'evil-src')
    await files(evil, { 'link/pwned': 'x' })
    await exec('tar', ['-c', '-f', join(dir, 'evil.tar'), '-C', evil, 'link/pwned'])
    await expect(applyLayer(rootfs, join(dir, 'evil.tar'))).rejects.toThrow(
      /writes link\/pwned through link, a symbolic link of a lower layer/,
    )
    await writeFile(join(evil, 'h'), 'h')
    await exec('ln', ['-f', join(evil, 'h'), join(evil, 'hard')])
    await exec('tar', ['-c', '-f', join(dir, 'hard.tar'), '-C', evil, 'h', 'hard'])
    await expect(applyLayer(rootfs, join(dir, 'hard.tar'))).resolves.toBeUndefined()
    expect(await readdir(outside)).toEqual([])
    // a layer that makes the path a directory first replaces the link
    await exec('tar', ['-c', '-f', join(dir, 'dir.tar'), '-C', evil, 'link', 'link/pwned'])
    await applyLayer(rootfs, join(dir, 'dir.tar'))
    expect(await readFile(join(rootfs, 'link', 'pwned'), 'utf8')).toBe('x')
    expect(await readdir(outside)).toEqual([])
  })
})

describe('image archives', () => {
  it('reads an OCI image layout with gzip layers, and the store unpacks it once', async () => {
    const oci = join(dir, 'oci')
    const blob = async (data: Buffer): Promise<string> => {
      const hex = createHash('sha256').update(data).digest('hex')
      await mkdir(join(oci, 'blobs', 'sha256'), { recursive: true })
      await writeFile(join(oci, 'blobs', 'sha256', hex), data)
      return `sha256:${hex}`
    }
    const l1 = await blob(
      await readFile(await layer('l1', { 'etc/motd': 'hi', 'bin/x': 'x' }, true)),
    )
    const l2 = await blob(await readFile(await layer('l2', { 'bin/.wh.x': '' }, true)))
    const config = await blob(
      Buffer.from(JSON.stringify({ config: { Cmd: ['/bin/true'], Env: ['A=1'] } })),
    )
    const manifest = await blob(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          config: { digest: config },
          layers: [{ digest: l1 }, { digest: l2 }],
        }),
      ),
    )
    await writeFile(join(oci, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
    await writeFile(
      join(oci, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ digest: manifest }] }),
    )
    const archive = join(dir, 'oci.tar')
    await exec('tar', ['-c', '-f', archive, '-C', oci, '.'])
    const contents = await readImageArchive(archive, join(dir, 'read'))
    expect(contents.format).toBe('oci-layout')
    expect(contents.layers).toHaveLength(2)
    expect(contents.config.Cmd).toEqual(['/bin/true'])

    const store = new LayerStore(join(dir, 'store'))
    let fetched = 0
    const fetch = async () => {
      fetched += 1
      return archive
    }
    const image = await store.get('img1', fetch)
    await store.get('img1', fetch)
    expect(fetched).toBe(1)
    expect(await readFile(join(image.rootfs, 'etc/motd'), 'utf8')).toBe('hi')
    expect(await exists(join(image.rootfs, 'bin/x'))).toBe(false)
    expect(image.config.Env).toEqual(['A=1'])
  })

  it('writes a docker save archive that it reads back', async () => {
    const rootfs = join(dir, 'root')
    await files(rootfs, { 'hello.txt': 'hello' })
    const target = join(dir, 'saved.tar')
    await writeDockerArchive({ rootfs, config: { Cmd: ['/hello'] }, target, tag: 'x:1' })
    const contents = await readImageArchive(target, join(dir, 'read'))
    expect(contents.format).toBe('docker-save')
    expect(contents.config.Cmd).toEqual(['/hello'])
    const manifest = JSON.parse(await readFile(join(dir, 'read', 'manifest.json'), 'utf8')) as {
      RepoTags: string[]
    }[]
    expect(manifest[0]?.RepoTags).toEqual(['x:1'])
  })

  it('refuses what is not a docker-format image, with a clear message', async () => {
    await writeFile(join(dir, 'junk'), 'not a tar')
    await expect(readImageArchive(join(dir, 'junk'), join(dir, 'r1'))).rejects.toThrow(
      /not a tar archive/,
    )
    const plain = await layer('plain', { 'x.txt': 'x' })
    await expect(readImageArchive(plain, join(dir, 'r2'))).rejects.toThrow(
      /neither a manifest.json \(docker save\) nor an index.json/,
    )
    // members that lead out of the archive through a link are refused
    const linked = join(dir, 'linked')
    await mkdir(linked)
    await symlink('/etc/hostname', join(linked, 'config.json'))
    await writeFile(
      join(linked, 'manifest.json'),
      JSON.stringify([{ Config: 'config.json', Layers: [] }]),
    )
    await exec('tar', ['-c', '-f', join(dir, 'linked.tar'), '-C', linked, '.'])
    await expect(readImageArchive(join(dir, 'linked.tar'), join(dir, 'r3'))).rejects.toThrow(
      /"config.json" is outside the archive/,
    )
    const store = new LayerStore(join(dir, 'store'))
    await expect(store.get('bad', async () => plain)).rejects.toThrow(/neither/)
    expect(await readdir(join(dir, 'store'))).toEqual([])
  })
})
