/** @module compute/virt/qemu/kvm-probe: whether /dev/kvm can really run a guest */
import { access, constants, readFile } from 'node:fs/promises'
import { exec, ExecError } from '../../../core/sys/exec.js'

/** The accelerator chosen, and why KVM was not when it was not. */
export interface AccelChoice {
  accel: 'kvm' | 'tcg'
  reason: string
}

const RUN_MS = 2000

/** Where the probe looks; tests point it elsewhere. */
export interface KvmProbePaths {
  device?: string
  cpuinfo?: string
}

/** Whether the CPU flags offer hardware virtualization (Intel VMX or AMD SVM). */
async function hardwareVirtualization(cpuinfo: string): Promise<boolean | undefined> {
  const text = await readFile(cpuinfo, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  return text.split('\n').some((line) => /^flags\s*:.*\b(vmx|svm)\b/.test(line))
}

/**
 * Opening /dev/kvm is not enough (some hosts expose a device that cannot run guests):
 * - without VMX or SVM among the CPU flags, /dev/kvm can only be a paravirtual KVM such as PVM
 *   (`kvm_pvm`), which runs guest kernels built for it and stops an ordinary kernel with an
 *   emulation error once it starts, while firmware still runs;
 * - otherwise a machine with `accel=kvm -cpu host` is started on its firmware: if it still runs
 *   after two seconds KVM works, if QEMU exits its last line of stderr says why it does not.
 */
export async function probeKvm(qemu: string, paths: KvmProbePaths = {}): Promise<AccelChoice> {
  try {
    await access(paths.device ?? '/dev/kvm', constants.R_OK | constants.W_OK)
  } catch {
    return { accel: 'tcg', reason: '/dev/kvm is missing or not accessible' }
  }
  if ((await hardwareVirtualization(paths.cpuinfo ?? '/proc/cpuinfo')) === false) {
    return {
      accel: 'tcg',
      reason:
        'the CPU offers neither VMX nor SVM: /dev/kvm is a paravirtual KVM (such as kvm_pvm) that cannot run these guests',
    }
  }
  const args = ['-machine', 'pc,accel=kvm', '-cpu', 'host', '-m', '64', '-nodefaults']
  args.push('-no-user-config', '-display', 'none', '-no-reboot')
  try {
    await exec(qemu, args, { timeoutMs: RUN_MS })
    return { accel: 'tcg', reason: 'a KVM test machine stopped at once' }
  } catch (error) {
    if (error instanceof ExecError && error.code === null && /timed out/.test(error.message)) {
      return { accel: 'kvm', reason: 'KVM runs guests' }
    }
    const stderr = error instanceof ExecError ? error.stderr : String(error)
    const line =
      stderr
        .trim()
        .split('\n')
        .find((l) => /error|failed|assert/i.test(l)) ?? stderr
    return { accel: 'tcg', reason: `/dev/kvm cannot run guests: ${line.trim().slice(0, 200)}` }
  }
}
