/** @module block-storage/driver/file/file-volume-driver.test: the file driver passes the conformance suite, in both formats */
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { exec } from '../../../core/sys/exec.js'
import { head, pattern, volumeDriverConformance } from '../volume-driver.conformance.js'
import type { VolumeFormat } from '../volume-driver.js'
import { FileVolumeDriver } from './file-volume-driver.js'

const roots: string[] = []
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true })
})

async function make(format: VolumeFormat): Promise<{ d: FileVolumeDriver; root: string }> {
  const root = mkdtempSync(join(tmpdir(), `nimbus-file-driver-${format}-`))
  roots.push(root)
  const d = new FileVolumeDriver({ root, format, capacityGb: 50 })
  await d.init()
  return { d, root }
}

volumeDriverConformance('file (qcow2)', async () => (await make('qcow2')).d)
volumeDriverConformance('file (raw)', async () => (await make('raw')).d)

/** Writes `data` at offset 0 of a volume file as a guest would (qemu-io through the format). */
async function guestWrite(path: string, format: VolumeFormat, data: Buffer, dir: string) {
  const src = join(dir, 'pattern.bin')
  writeFileSync(src, data)
  // qemu-img dd cannot write into an existing image; convert with -n keeps the target's layout.
  await exec('qemu-img', [
    'convert',
    '-n',
    '-f',
    'raw',
    '-O',
    format,
    '--target-is-zero',
    src,
    path,
  ]).catch(async () => exec('qemu-img', ['convert', '-n', '-f', 'raw', '-O', format, src, path]))
}

describe('file driver data', () => {
  it('a snapshot is copy-on-write: later writes to the volume do not reach it', async () => {
    const { d, root } = await make('qcow2')
    await d.createVolume({ id: 'v1', sizeGb: 1 })
    await guestWrite(join(root, 'volume-v1.qcow2'), 'qcow2', pattern(7), root)
    await d.createSnapshot({ id: 's1', volumeId: 'v1' })
    const info = await exec('qemu-img', ['info', '--output=json', join(root, 'volume-v1.qcow2')])
    expect(JSON.parse(info.stdout)['backing-filename']).toBe('snapshot-s1.qcow2')
    await guestWrite(join(root, 'volume-v1.qcow2'), 'qcow2', pattern(8), root)
    await d.createFromSnapshot({ id: 'v2', snapshotId: 's1', sizeGb: 1 })
    expect((await head(d, 'v2', 1024 * 1024)).equals(pattern(7))).toBe(true)
    expect((await head(d, 'v1', 1024 * 1024)).equals(pattern(8))).toBe(true)
    await d.deleteSnapshot('s1')
    expect((await head(d, 'v1', 1024 * 1024)).equals(pattern(8))).toBe(true)
    expect(readdirSync(root).sort()).toEqual(['pattern.bin', 'volume-v1.qcow2', 'volume-v2.qcow2'])
  })

  it('deletes a snapshot while another volume disappears from the folder', async () => {
    const { d, root } = await make('qcow2')
    await d.createVolume({ id: 'v1', sizeGb: 1 })
    await d.createSnapshot({ id: 's1', volumeId: 'v1' })
    // A name listed but gone by the time it is read, as a volume deleted meanwhile.
    symlinkSync(join(root, 'nowhere'), join(root, 'volume-ghost.qcow2'))
    await d.deleteSnapshot('s1')
    expect(readdirSync(root).sort()).toEqual(['volume-ghost.qcow2', 'volume-v1.qcow2'])
  })

  it('init removes files an interrupted operation left half-made', async () => {
    const { root } = await make('qcow2')
    writeFileSync(join(root, 'volume-x.qcow2.partial-1234abcd'), 'half')
    const again = new FileVolumeDriver({ root, format: 'qcow2', capacityGb: 50 })
    await again.init()
    expect(readdirSync(root)).toEqual([])
    expect(await again.listVolumes()).toEqual([])
  })
})
