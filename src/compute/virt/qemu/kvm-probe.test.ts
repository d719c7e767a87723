/** @module compute/virt/qemu/kvm-probe.test: when /dev/kvm is not taken at its word */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { probeKvm } from './kvm-probe.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nimbus-kvm-probe-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function cpuinfo(flags: string): string {
  const path = join(dir, 'cpuinfo')
  writeFileSync(path, `processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu sse2 ${flags}\n\n`)
  return path
}

describe('probeKvm', () => {
  it('chooses TCG when the device is missing', async () => {
    const choice = await probeKvm('/bin/false', {
      device: join(dir, 'kvm'),
      cpuinfo: cpuinfo('vmx'),
    })
    expect(choice).toMatchObject({ accel: 'tcg', reason: expect.stringContaining('missing') })
  })

  it('chooses TCG when the CPU has neither VMX nor SVM, whatever the device says', async () => {
    const device = join(dir, 'kvm')
    writeFileSync(device, '')
    // A "qemu" that would run forever, as firmware does under a paravirtual KVM.
    const choice = await probeKvm('/bin/sleep', { device, cpuinfo: cpuinfo('hypervisor lm') })
    expect(choice.accel).toBe('tcg')
    expect(choice.reason).toMatch(/neither VMX nor SVM/)
  })

  it('goes on to start a test machine when the CPU has VMX', async () => {
    const device = join(dir, 'kvm')
    writeFileSync(device, '')
    // /bin/false stands for a QEMU that exits at once: KVM is then refused for that reason.
    const choice = await probeKvm('/bin/false', { device, cpuinfo: cpuinfo('vmx hypervisor') })
    expect(choice.accel).toBe('tcg')
    expect(choice.reason).not.toMatch(/neither VMX nor SVM/)
  })
})
