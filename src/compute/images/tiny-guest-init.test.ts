/** @module compute/images/tiny-guest-init.test: the tiny guest's lsblk, run on this machine's /sys */
import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { exec } from '../../core/sys/exec.js'
import { lsblkScript } from './tiny-guest-init.js'

describe('lsblkScript', () => {
  it("prints each block device but loop and ram devices in lsblk's columns, its type under TYPE", async () => {
    const { stdout } = await exec('sh', ['-c', lsblkScript(), 'lsblk', '-lb', '--nodeps'], {
      timeoutMs: 10_000,
    })
    const [header = '', ...rows] = stdout.trimEnd().split('\n')
    expect(header.split(/\s+/)).toEqual([
      'NAME',
      'MAJ:MIN',
      'RM',
      'SIZE',
      'RO',
      'TYPE',
      'MOUNTPOINTS',
    ])
    const devices = (await readdir('/sys/block')).filter((d) => !/^(loop|ram)/.test(d)).sort()
    expect(rows.map((r) => r.split(/\s+/)[0]).sort()).toEqual(devices)
    // the TYPE column lines up with its header, as readers that cut the line at it expect
    const at = header.indexOf('TYPE')
    for (const row of rows) {
      expect(['disk', 'rom ']).toContain(row.slice(at, at + 4))
      const [, majMin, , size] = row.split(/\s+/)
      expect(majMin).toMatch(/^\d+:\d+$/)
      expect(Number(size) % 512).toBe(0)
    }
  })
})
