/** @module compute/virt/qemu/config-drive-iso: a guest's config drive as an ISO 9660 image */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { exec } from '../../../core/sys/exec.js'
import type { ConfigDriveEntry } from '../compute-driver.js'

/** The volume label guests look for (cloud-init's and cirros' ConfigDrive source). */
export const CONFIG_DRIVE_LABEL = 'config-2'

function safeRelative(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.length === 0 || parts.some((p) => p === '..')) {
    throw new Error(`config drive path ${JSON.stringify(path)} leaves the drive`)
  }
  return parts.join('/')
}

/**
 * Writes `files` into an ISO 9660 image with Rock Ridge and Joliet names, labelled `config-2`, at
 * `target` (through a temporary name, so a failed build leaves nothing there), as Nova builds it
 * with genisoimage.
 */
export async function writeConfigDriveIso(
  target: string,
  files: readonly ConfigDriveEntry[],
  signal?: AbortSignal,
): Promise<void> {
  const staging = `${target}.d`
  const partial = `${target}.part`
  await rm(staging, { recursive: true, force: true })
  try {
    for (const file of files) {
      const path = join(staging, safeRelative(file.path))
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, Buffer.from(file.dataBase64, 'base64'))
    }
    await mkdir(staging, { recursive: true })
    const args = ['-o', partial, '-ldots', '-allow-lowercase', '-allow-multidot', '-l']
    args.push('-publisher', 'Nimbus', '-quiet', '-J', '-r', '-V', CONFIG_DRIVE_LABEL, staging)
    await exec('genisoimage', args, { timeoutMs: 60_000, ...(signal ? { signal } : {}) })
    await rename(partial, target)
  } finally {
    await rm(staging, { recursive: true, force: true })
    await rm(partial, { force: true })
  }
}
