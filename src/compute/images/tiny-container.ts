/** @module compute/images/tiny-container: the tiny guest's system as a docker-format image */
import { createHash } from 'node:crypto'
import { chmod, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { writeDockerArchive, type ImageRunConfig } from '../virt/container/docker-archive.js'
import { readCpioArchive } from './cpio-archive.js'
import { GUEST_SHELL, TINY_BANNER } from './tiny-guest-init.js'
import type { TinyImageFiles } from './tiny-image-builder.js'

/** Where the container's start script lives in its root. */
const INIT_PATH = 'sbin/nimbus-container-init'

/**
 * The container's entrypoint: what the tiny VM's /init does once the kernel is up, for a root
 * the runtime already mounted: DHCP on every NIC (the guest holds NET_ADMIN; each NIC's address
 * is printed as soon as DHCP is done), hostname, SSH key and user-data from the metadata service,
 * dropbear, the banner; then it waits for SIGTERM.
 */
export function tinyContainerInitScript(): string {
  return `#!/bin/sh
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
mkdir -p /run /tmp /var/log /var/run /etc/dropbear
ip link set lo up
${GUEST_SHELL.lease}${GUEST_SHELL.nics}${GUEST_SHELL.fetch}src=none
if ip route | grep -q default && fetch meta-data/public-keys/0/openssh-key /tmp/authorized_keys; then
  src=metadata
  fetch meta-data/hostname /tmp/hostname && hostname "$(head -n 1 /tmp/hostname | cut -d. -f1)" 2>/dev/null
  fetch user-data /tmp/user_data
fi
${GUEST_SHELL.keys}dropbear -R -E -p 22 2>/var/log/dropbear.log
echo "=== ${TINY_BANNER} $(hostname) (container, config from $src) ==="
${GUEST_SHELL.userdata}trap 'echo "stopping"; exit 0' TERM INT
while true; do sleep 1 & wait $!; done
`
}

/** How the image runs. */
export const TINY_CONTAINER_CONFIG: ImageRunConfig = {
  Entrypoint: [`/${INIT_PATH}`],
  Cmd: [],
  Env: ['PATH=/sbin:/bin:/usr/sbin:/usr/bin'],
  WorkingDir: '/root',
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/** Members of the VM's initramfs a container does not take: its runtime provides them. */
function keptInContainer(path: string): boolean {
  return !(path === 'init' || path.startsWith('lib/modules/') || path.startsWith('dev/'))
}

/**
 * Builds (once per ramdisk and script, beside the tiny image's files) a `docker save` archive of
 * the tiny guest's system: the files of its initramfs without the kernel modules and /init,
 * started by {@link tinyContainerInitScript}. Resolves the archive's path.
 */
export async function buildTinyContainer(tiny: TinyImageFiles): Promise<string> {
  const ramdisk = await readFile(tiny.ramdisk)
  const version = createHash('sha256')
    .update(ramdisk)
    .update(tinyContainerInitScript())
    .update(JSON.stringify(TINY_CONTAINER_CONFIG))
    .digest('hex')
    .slice(0, 12)
  const archive = join(tiny.dir, `tiny-container-${version}.tar`)
  if (await exists(archive)) return archive
  const rootfs = join(tiny.dir, 'container-rootfs')
  await rm(rootfs, { recursive: true, force: true })
  await mkdir(rootfs, { recursive: true })
  try {
    for (const entry of readCpioArchive(gunzipSync(ramdisk))) {
      if (!keptInContainer(entry.path)) continue
      const path = join(rootfs, entry.path)
      await mkdir(dirname(path), { recursive: true })
      if (entry.kind === 'dir') {
        await mkdir(path, { recursive: true })
        await chmod(path, entry.mode ?? 0o755)
      } else if (entry.kind === 'file') {
        await writeFile(path, entry.data, { mode: entry.mode ?? 0o644 })
      } else if (entry.kind === 'symlink') {
        await symlink(entry.target, path)
      }
    }
    await mkdir(join(rootfs, 'dev'), { recursive: true })
    await writeFile(join(rootfs, INIT_PATH), tinyContainerInitScript(), { mode: 0o755 })
    const partial = `${archive}.part`
    await writeDockerArchive({
      rootfs,
      config: TINY_CONTAINER_CONFIG,
      target: partial,
      tag: 'nimbus/tiny:latest',
    })
    await rename(partial, archive)
  } finally {
    await rm(rootfs, { recursive: true, force: true })
  }
  return archive
}
