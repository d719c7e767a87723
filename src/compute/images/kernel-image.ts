/** @module compute/images/kernel-image: the uncompressed ELF kernel inside a Debian bzImage */
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exec } from '../../core/sys/exec.js'

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])

/**
 * Writes the ELF `vmlinux` packed in `bzImage` (Debian compresses it with xz) to `target`. QEMU
 * boots such an ELF through its PVH entry point, skipping the decompression that dominates a
 * TCG boot.
 */
export async function extractVmlinux(bzImage: string, target: string): Promise<void> {
  const image = await readFile(bzImage)
  const at = image.indexOf(XZ_MAGIC)
  if (at < 0) throw new Error(`${bzImage} holds no xz-compressed kernel`)
  const work = await mkdtemp(join(tmpdir(), 'nimbus-kernel-'))
  try {
    await writeFile(join(work, 'vmlinux.xz'), image.subarray(at))
    // --single-stream stops at the end of the kernel: the bzImage carries trailing data
    await exec('xz', ['-d', '--single-stream', '-q', join(work, 'vmlinux.xz')], {
      timeoutMs: 120_000,
      okCodes: [0, 2],
    })
    const elf = await readFile(join(work, 'vmlinux'))
    if (elf.subarray(0, 4).toString('latin1') !== '\x7fELF') {
      throw new Error(`${bzImage}: the decompressed kernel is not an ELF file`)
    }
    await rename(join(work, 'vmlinux'), target).catch(async () => {
      await writeFile(target, elf)
    })
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
