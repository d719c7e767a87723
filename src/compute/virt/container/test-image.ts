/** @module compute/virt/container/test-image: a tiny docker-format busybox image built from Debian's busybox-static, for tests */
import { createHash } from 'node:crypto'
import { mkdir, readdir, rm, stat, symlink, copyFile, chmod, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { exec } from '../../../core/sys/exec.js'
import { writeDockerArchive, type ImageRunConfig } from './docker-archive.js'

export const TEST_BANNER = 'nimbus container guest up'

/** The applets the test guest uses. */
const APPLETS = ['sh', 'echo', 'sleep', 'hostname', 'cat', 'ls', 'ip', 'udhcpc', 'true', 'mkdir']

/** How the test image runs: prints a banner and its host name, stops cleanly on SIGTERM. */
export const TEST_IMAGE_CONFIG: ImageRunConfig = {
  Entrypoint: ['/bin/sh', '-c'],
  Cmd: [
    `trap 'echo stopping; exit 0' TERM; echo "${TEST_BANNER} as $(hostname) in $PWD with GREETING=$GREETING"; ` +
      // a lease on the first NIC when there is one (the address is only printed: -s /bin/true)
      `if [ -e /sys/class/net/eth0 ]; then udhcpc -i eth0 -n -q -t 10 -T 1 -s /bin/true & fi; ` +
      `while true; do sleep 1; done`,
  ],
  Env: ['PATH=/bin', 'GREETING=hello'],
  WorkingDir: '/tmp',
}

/**
 * Builds (once, into `cacheDir`) a `docker save` archive of a root holding busybox-static from
 * Debian (fetched with `apt-get download`, unpacked with `dpkg-deb -x`) and returns its path.
 */
export async function buildTestImage(cacheDir: string): Promise<string> {
  const version = createHash('sha256')
    .update(JSON.stringify([APPLETS, TEST_IMAGE_CONFIG]))
    .digest('hex')
    .slice(0, 12)
  const archive = join(cacheDir, `busybox-docker-${version}.tar`)
  if (
    await stat(archive).then(
      () => true,
      () => false,
    )
  )
    return archive
  const debs = join(cacheDir, 'debs')
  await mkdir(debs, { recursive: true })
  if (!(await readdir(debs)).some((f) => f.startsWith('busybox-static_'))) {
    await exec('apt-get', ['download', '-q', 'busybox-static'], { cwd: debs, timeoutMs: 300_000 })
  }
  const deb = (await readdir(debs)).find((f) => f.startsWith('busybox-static_'))
  if (!deb) throw new Error('apt-get download left no busybox-static package')
  const tree = join(cacheDir, 'tree')
  const rootfs = join(cacheDir, 'rootfs')
  await rm(tree, { recursive: true, force: true })
  await rm(rootfs, { recursive: true, force: true })
  await exec('dpkg-deb', ['-x', join(debs, deb), tree], { timeoutMs: 120_000 })
  for (const dir of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root']) {
    await mkdir(join(rootfs, dir), { recursive: true })
  }
  await chmod(join(rootfs, 'tmp'), 0o1777)
  await copyFile(join(tree, 'bin', 'busybox'), join(rootfs, 'bin', 'busybox'))
  await chmod(join(rootfs, 'bin', 'busybox'), 0o755)
  for (const applet of APPLETS) await symlink('busybox', join(rootfs, 'bin', applet))
  const partial = `${archive}.part`
  await writeDockerArchive({
    rootfs,
    config: TEST_IMAGE_CONFIG,
    target: partial,
    tag: 'busybox:test',
  })
  await rename(partial, archive)
  await rm(tree, { recursive: true, force: true })
  await rm(rootfs, { recursive: true, force: true })
  return archive
}
