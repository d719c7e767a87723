import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { exec } from '../../../core/sys/exec.js'
import { CONFIG_DRIVE_LABEL, writeConfigDriveIso } from './config-drive-iso.js'

const entry = (path: string, text: string) => ({
  path,
  dataBase64: Buffer.from(text).toString('base64'),
})

describe('config drive ISO', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'b1-config-drive-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('holds the files under their names on a volume labelled config-2', async () => {
    const iso = join(dir, 'disk.config')
    const meta = JSON.stringify({ uuid: 'u-1', hostname: 'alpha.novalocal' })
    await writeConfigDriveIso(iso, [
      entry('openstack/latest/meta_data.json', meta),
      entry('openstack/latest/user_data', '#!/bin/sh\necho hi\n'),
      entry('ec2/latest/meta-data.json', '{"instance-id":"i-00000001"}'),
    ])
    const info = await exec('isoinfo', ['-d', '-i', iso])
    expect(info.stdout).toContain(`Volume id: ${CONFIG_DRIVE_LABEL}`)
    const read = async (path: string) =>
      (await exec('isoinfo', ['-R', '-i', iso, '-x', `/${path}`])).stdout
    expect(await read('openstack/latest/meta_data.json')).toBe(meta)
    expect(await read('openstack/latest/user_data')).toBe('#!/bin/sh\necho hi\n')
    expect(await read('ec2/latest/meta-data.json')).toBe('{"instance-id":"i-00000001"}')
    const listing = (await exec('isoinfo', ['-R', '-f', '-i', iso])).stdout.split('\n')
    expect(listing).toContain('/openstack/latest/meta_data.json')
    expect(listing.some((l) => l.endsWith('.part') || l.includes('.d/'))).toBe(false)
  })

  it('refuses a path that leaves the drive and leaves no image behind', async () => {
    const iso = join(dir, 'disk.config')
    await expect(writeConfigDriveIso(iso, [entry('../escape', 'x')])).rejects.toThrow(
      /leaves the drive/,
    )
    await expect(exec('ls', [dir])).resolves.toMatchObject({ stdout: '' })
  })
})
