/** @module compute/images/tiny-image-builder: builds the `tiny` guest from Debian packages */
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, readlink, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { exec } from '../../core/sys/exec.js'
import { cpioArchive, type CpioEntry } from './cpio-archive.js'
import { extractVmlinux } from './kernel-image.js'
import {
  etcFiles,
  lsblkScript,
  tinyInitScript,
  TINY_MODULES,
  udhcpcScript,
} from './tiny-guest-init.js'

/** The Debian packages the image is made of (dropbear's libraries come from their packages). */
export const TINY_PACKAGES = [
  'linux-image-amd64',
  'busybox-static',
  'dropbear-bin',
  'libc6',
  'libcrypt1',
  'libtomcrypt1',
  'libtommath1',
  'libgmp10',
  'zlib1g',
] as const

const LIBRARIES = [
  'ld-linux-x86-64.so.2',
  'libc.so.6',
  'libcrypt.so.1',
  'libtomcrypt.so.1',
  'libtommath.so.1',
  'libgmp.so.10',
  'libz.so.1',
]

/** The files of a built image. */
export interface TinyImageFiles {
  dir: string
  /** Uncompressed ELF kernel (boots in about half the time of the compressed one under TCG). */
  kernel: string
  /** gzip'd newc initramfs holding the whole system. */
  ramdisk: string
  /** A small empty raw disk: the machine image the kernel and ramdisk are attached to. */
  disk: string
  kernelVersion: string
}

/** Where the image is kept in a data dir. */
export function tinyImageDir(dataDir: string): string {
  return join(dataDir, 'images', 'tiny')
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

async function findFile(root: string, name: string): Promise<string | undefined> {
  for (const dir of ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu', 'lib64', 'lib']) {
    const path = join(root, dir, name)
    if (await exists(path)) return path
  }
  return undefined
}

/** Reads a file through its symlinks inside an extracted tree (links there are absolute or relative to it). */
async function readInTree(root: string, path: string, depth = 0): Promise<Buffer> {
  if (depth > 8) throw new Error(`too many symlinks at ${path}`)
  const link = await readlink(path).catch(() => undefined)
  if (link === undefined) return readFile(path)
  const next = link.startsWith('/') ? join(root, link) : join(path, '..', link)
  return readInTree(root, next, depth + 1)
}

/**
 * Builds the image into `tiny-image dir` unless it is there already: downloads the packages with
 * `apt-get download`, unpacks them with `dpkg-deb -x` (nothing is installed on the host), and
 * writes kernel, initramfs and disk. `log` hears each step.
 */
export async function buildTinyImage(options: {
  dataDir: string
  force?: boolean
  log?: (line: string) => void
  signal?: AbortSignal
}): Promise<TinyImageFiles> {
  const log = options.log ?? (() => undefined)
  const dir = tinyImageDir(options.dataDir)
  const manifestPath = join(dir, 'manifest.json')
  const init = initDigest()
  if (!options.force && (await exists(manifestPath))) {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      kernelVersion: string
      initSha256?: string
    }
    if (manifest.initSha256 === init) {
      log(`tiny image already built in ${dir}`)
      return files(dir, manifest.kernelVersion)
    }
    log(`tiny image in ${dir} was built with another /init: building it again`)
  }
  const debs = join(dir, 'debs')
  const tree = join(dir, 'tree')
  await rm(tree, { recursive: true, force: true })
  await mkdir(debs, { recursive: true })
  await mkdir(tree, { recursive: true })
  const kernelPackage = await resolveKernelPackage(options.signal)
  const packages = TINY_PACKAGES.map((p) => (p === 'linux-image-amd64' ? kernelPackage : p))
  log(`downloading ${packages.join(', ')}`)
  await exec('apt-get', ['download', '-q', ...packages], {
    cwd: debs,
    timeoutMs: 600_000,
    ...(options.signal ? { signal: options.signal } : {}),
  })
  for (const deb of await readdir(debs)) {
    if (!deb.endsWith('.deb')) continue
    if (!packages.some((p) => deb.startsWith(`${p}_`))) continue
    log(`unpacking ${deb}`)
    await exec('dpkg-deb', ['-x', join(debs, deb), tree], { timeoutMs: 300_000 })
  }
  const kernelVersion = kernelPackage.replace(/^linux-image-/, '')
  log(`extracting the uncompressed kernel ${kernelVersion}`)
  const staging = join(dir, 'staging')
  await rm(staging, { recursive: true, force: true })
  await mkdir(staging, { recursive: true })
  await extractVmlinux(join(tree, 'boot', `vmlinuz-${kernelVersion}`), join(staging, 'vmlinux'))
  log('writing the initramfs')
  const archive = cpioArchive(await rootEntries(tree, kernelVersion))
  await writeFile(join(staging, 'initramfs.gz'), gzipSync(archive, { level: 6 }))
  await writeFile(join(staging, 'disk.raw'), Buffer.alloc(1024 * 1024))
  for (const name of ['vmlinux', 'initramfs.gz', 'disk.raw']) {
    await rename(join(staging, name), join(dir, name))
  }
  await rm(staging, { recursive: true, force: true })
  await rm(tree, { recursive: true, force: true })
  const ramdisk = await readFile(join(dir, 'initramfs.gz'))
  await writeFile(
    manifestPath,
    JSON.stringify({
      kernelVersion,
      packages,
      ramdiskSha256: createHash('sha256').update(ramdisk).digest('hex'),
      initSha256: init,
    }),
  )
  log(`tiny image built in ${dir}`)
  return files(dir, kernelVersion)
}

/** Digest of what the image's boot depends on besides its packages: /init, hooks, modules. */
function initDigest(): string {
  const parts = [
    tinyInitScript(),
    udhcpcScript(),
    lsblkScript(),
    JSON.stringify(etcFiles()),
    TINY_MODULES.join(','),
  ]
  return createHash('sha256').update(parts.join('\0')).digest('hex')
}

function files(dir: string, kernelVersion: string): TinyImageFiles {
  return {
    dir,
    kernel: join(dir, 'vmlinux'),
    ramdisk: join(dir, 'initramfs.gz'),
    disk: join(dir, 'disk.raw'),
    kernelVersion,
  }
}

/** `linux-image-amd64` is a metapackage: the kernel is in the package it depends on. */
async function resolveKernelPackage(signal?: AbortSignal): Promise<string> {
  const { stdout } = await exec('apt-cache', ['depends', 'linux-image-amd64'], {
    timeoutMs: 60_000,
    ...(signal ? { signal } : {}),
  })
  const match = /Depends:\s*(linux-image-[\d.]+-\d+-amd64)\b/.exec(stdout)
  if (!match?.[1]) throw new Error(`apt-cache found no kernel package behind linux-image-amd64`)
  return match[1]
}

async function rootEntries(tree: string, kernelVersion: string): Promise<CpioEntry[]> {
  const entries: CpioEntry[] = []
  for (const d of ['bin', 'sbin', 'etc', 'etc/dropbear', 'proc', 'sys', 'dev', 'run', 'tmp']) {
    entries.push({ kind: 'dir', path: d, mode: d === 'tmp' ? 0o1777 : 0o755 })
  }
  for (const d of ['usr', 'usr/bin', 'usr/sbin', 'lib', 'lib/modules', 'lib64', 'var']) {
    entries.push({ kind: 'dir', path: d })
  }
  for (const d of ['var/log', 'var/run', 'root', 'home', 'home/cirros', 'config-drive']) {
    entries.push({ kind: 'dir', path: d, mode: d === 'root' ? 0o700 : 0o755 })
  }
  entries.push({ kind: 'dir', path: 'lib/x86_64-linux-gnu' })
  entries.push({ kind: 'chardev', path: 'dev/console', major: 5, minor: 1 })
  entries.push({ kind: 'chardev', path: 'dev/null', major: 1, minor: 3, mode: 0o666 })
  const busybox = join(tree, 'bin', 'busybox')
  entries.push({ kind: 'file', path: 'bin/busybox', data: await readFile(busybox), mode: 0o755 })
  const { stdout } = await exec(busybox, ['--list-full'], { timeoutMs: 30_000 })
  for (const applet of stdout.split('\n').filter(Boolean)) {
    if (applet === 'bin/busybox' || applet.startsWith('linuxrc')) continue
    const depth = applet.split('/').length - 1
    entries.push({ kind: 'symlink', path: applet, target: `${'../'.repeat(depth)}bin/busybox` })
  }
  entries.push({
    kind: 'file',
    path: 'usr/sbin/dropbear',
    data: await readFile(join(tree, 'usr/sbin/dropbear')),
    mode: 0o755,
  })
  for (const name of LIBRARIES) {
    const path = await findFile(tree, name)
    if (!path) throw new Error(`library ${name} is not in the unpacked packages`)
    entries.push({
      kind: 'file',
      path: `lib/x86_64-linux-gnu/${name}`,
      data: await readInTree(tree, path),
      mode: 0o755,
    })
  }
  entries.push({
    kind: 'symlink',
    path: 'lib64/ld-linux-x86-64.so.2',
    target: '../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
  })
  const moduleRoot = join(tree, 'lib', 'modules', kernelVersion, 'kernel')
  for (const module of TINY_MODULES) {
    const name = module.split('/').pop() ?? module
    entries.push({
      kind: 'file',
      path: `lib/modules/${name}.ko`,
      data: await readFile(join(moduleRoot, `${module}.ko`)),
    })
  }
  for (const [path, text] of Object.entries(etcFiles())) {
    entries.push({
      kind: 'file',
      path,
      data: Buffer.from(text),
      mode: path === 'etc/shadow' ? 0o600 : 0o644,
    })
  }
  entries.push({
    kind: 'file',
    path: 'etc/udhcpc.script',
    data: Buffer.from(udhcpcScript()),
    mode: 0o755,
  })
  entries.push({
    kind: 'file',
    path: 'usr/bin/lsblk',
    data: Buffer.from(lsblkScript()),
    mode: 0o755,
  })
  entries.push({ kind: 'file', path: 'init', data: Buffer.from(tinyInitScript()), mode: 0o755 })
  return entries
}
