/** @module compute/virt/qemu/qemu-command: the qemu-system-x86_64 command line of a guest */
import type { GuestFiles, GuestRecord } from './guest-record.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** How the host runs guests. */
export interface QemuHostSettings {
  accel: 'kvm' | 'tcg'
}

/** The block node and device ids of an attached volume. */
export function volumeIds(volumeId: string): { node: string; device: string } {
  const short = volumeId.replace(/[^\w]/g, '').slice(0, 20)
  return { node: `vol-${short}`, device: `vdev-${short}` }
}

/**
 * The arguments of a guest's QEMU: daemonized (the guest outlives the agent), controlled through
 * its QMP socket, serial console appended to a file, root disk and volumes as virtio-blk, one
 * virtio-net per tap with the port's MAC, and direct kernel boot when the image has a kernel.
 */
export function qemuArgs(
  record: GuestRecord,
  files: GuestFiles,
  host: QemuHostSettings,
  options: { incomingState?: string } = {},
): string[] {
  const { spec } = record
  const args = ['-name', `guest=${spec.name.replace(/,/g, ',,')},debug-threads=off`]
  // the guest reads it as its SMBIOS system UUID (cloud-init's instance id source)
  if (UUID.test(spec.uuid)) args.push('-uuid', spec.uuid)
  args.push('-machine', `pc,accel=${host.accel}`)
  if (host.accel === 'kvm') args.push('-cpu', 'host')
  args.push('-smp', String(spec.vcpus), '-m', String(spec.memoryMb))
  args.push('-nodefaults', '-no-user-config', '-display', 'none')
  args.push('-chardev', `file,id=serial0,path=${files.console},append=on`)
  args.push('-serial', 'chardev:serial0')
  args.push('-qmp', `unix:${files.qmp},server=on,wait=off`)
  args.push('-daemonize', '-pidfile', files.pidFile)
  args.push('-blockdev', `driver=file,node-name=root-file,filename=${files.overlay}`)
  args.push('-blockdev', 'driver=qcow2,node-name=root,file=root-file')
  // direct kernel boot takes boot index 0 for itself
  args.push('-device', `virtio-blk-pci,drive=root,id=root-disk,bootindex=${record.kernel ? 1 : 0}`)
  for (const volume of record.volumes) {
    const ids = volumeIds(volume.volumeId)
    args.push('-blockdev', `driver=file,node-name=${ids.node}-file,filename=${volume.path}`)
    args.push('-blockdev', `driver=${volume.format},node-name=${ids.node},file=${ids.node}-file`)
    const serial = volume.volumeId.slice(0, 20)
    args.push('-device', `virtio-blk-pci,drive=${ids.node},id=${ids.device},serial=${serial}`)
  }
  record.taps.forEach((tap, index) => {
    args.push('-netdev', `tap,id=net${index},ifname=${tap.name},script=no,downscript=no`)
    args.push('-device', `virtio-net-pci,netdev=net${index},mac=${tap.mac},id=nic${index}`)
  })
  if (record.configDrive) {
    // a read-only virtio disk: the tiny guest and cloud-init find it by its label config-2
    const file = `driver=file,node-name=config-drive-file,filename=${files.configDrive},read-only=on`
    args.push('-blockdev', file)
    args.push('-blockdev', 'driver=raw,node-name=config-drive,file=config-drive-file,read-only=on')
    args.push('-device', 'virtio-blk-pci,drive=config-drive,id=config-drive-disk')
  }
  if (record.kernel) {
    args.push('-kernel', record.kernel)
    if (record.initrd) args.push('-initrd', record.initrd)
    args.push('-append', record.append ?? 'console=ttyS0')
  }
  if (options.incomingState) args.push('-incoming', `exec:cat ${options.incomingState}`)
  return args
}
