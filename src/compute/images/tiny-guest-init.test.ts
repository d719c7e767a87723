/** @module compute/images/tiny-guest-init.test: the tiny guest's lsblk, run on this machine's /sys, and its DHCP hook */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { exec } from '../../core/sys/exec.js'
import { lsblkScript, udhcpcScript } from './tiny-guest-init.js'

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

describe('udhcpcScript', () => {
  /** Runs the script for `bound` with `ip` recording its arguments; resolves the ip calls. */
  async function bound(env: Record<string, string>): Promise<string[]> {
    const dir = await mkdtemp(join(tmpdir(), 'nimbus-udhcpc-'))
    try {
      await writeFile(join(dir, 'ip'), `#!/bin/sh\necho "$*" >> ${dir}/calls\n`, { mode: 0o755 })
      await exec('sh', ['-c', udhcpcScript(), 'udhcpc.script', 'bound'], {
        timeoutMs: 10_000,
        env: { PATH: `${dir}:/usr/bin:/bin`, interface: 'eth0', ip: '10.0.0.5', ...env },
      })
      return (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  it('takes the default route from the router option', async () => {
    const calls = await bound({ router: '10.0.0.1 10.0.0.254', mask: '24' })
    expect(calls).toContain('route replace default via 10.0.0.1 dev eth0')
  })

  it('takes classless static routes in place of the router option, on-link ones too', async () => {
    const calls = await bound({
      router: '10.0.0.1',
      staticroutes: '169.254.169.254/32 10.0.0.2 192.0.2.0/24 0.0.0.0 0.0.0.0/0 10.0.0.1',
    })
    expect(calls.filter((c) => c.startsWith('route'))).toEqual([
      'route replace 169.254.169.254/32 via 10.0.0.2 dev eth0',
      'route replace 192.0.2.0/24 dev eth0',
      'route replace 0.0.0.0/0 via 10.0.0.1 dev eth0',
    ])
  })
})
