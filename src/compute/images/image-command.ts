/** @module compute/images/image-command: `nimbus image build tiny [--data-dir DIR] [--force]` */
import { buildTinyImage } from './tiny-image-builder.js'

/** Where an image command writes. */
export interface ImageCommandIo {
  out: (text: string) => void
  err: (text: string) => void
  /** The configured data dir, used when `--data-dir` is not given. */
  defaultDataDir: () => string
}

export const IMAGE_USAGE = [
  'Usage: nimbus image build tiny [--data-dir DIR] [--force]',
  '',
  '  Builds the tiny guest (Debian kernel, busybox, dropbear) from Debian packages into',
  '  DIR/images/tiny: an uncompressed kernel, an initramfs and a small raw disk. Kept there and',
  '  reused unless --force. Register it as a kernel/ramdisk/machine image triple:',
  '  the machine image carries kernel_id and ramdisk_id.',
].join('\n')

/** Runs one image command; resolves with the process exit code. */
export async function imageCommand(argv: readonly string[], io: ImageCommandIo): Promise<number> {
  const [verb, kind, ...rest] = argv
  if (verb !== 'build' || kind !== 'tiny') {
    io.err(`${IMAGE_USAGE}\n`)
    return verb === 'help' || verb === undefined ? 0 : 2
  }
  let dataDir: string | undefined
  let force = false
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]
    if (arg === '--force') force = true
    else if (arg === '--data-dir' && rest[i + 1]) dataDir = rest[++i]
    else if (arg?.startsWith('--data-dir=')) dataDir = arg.slice('--data-dir='.length)
    else {
      io.err(`nimbus image: unknown option '${arg ?? ''}'\n\n${IMAGE_USAGE}\n`)
      return 2
    }
  }
  const files = await buildTinyImage({
    dataDir: dataDir ?? io.defaultDataDir(),
    force,
    log: (line) => io.out(`${line}\n`),
  })
  io.out(`kernel  ${files.kernel}\nramdisk ${files.ramdisk}\ndisk    ${files.disk}\n`)
  return 0
}
