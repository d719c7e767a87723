/** @module compute/virt/qemu/qemu-command: the qemu-system-x86_64 command line of a guest */
import type { AttachedVolume, GuestFiles, GuestRecord, GuestTap } from './guest-record.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** How the host runs guests. */
export interface QemuHostSettings {
  accel: 'kvm' | 'tcg'
}

/** The block node and device ids of a volume, and the serial the guest sees it by. */
export function volumeIds(volumeId: string): { node: string; device: string; serial: string } {
  const short = volumeId.replace(/[^\w]/g, '').slice(0, 20)
  // a virtio-blk serial holds 20 bytes: the guest finds the volume under /dev/disk/by-id by it
  return { node: `vol-${short}`, device: `vdev-${short}`, serial: volumeId.slice(0, 20) }
}

/** Sorts data volumes by device name (`vdb` < `vdz` < `vdaa`), the order the guest names them. */
export function inDeviceOrder(volumes: readonly AttachedVolume[]): AttachedVolume[] {
  const key = (v: AttachedVolume) => v.device.replace(/^\/dev\//, '')
  return [...volumes].sort((a, b) => key(a).length - key(b).length || key(a).localeCompare(key(b)))
}

/** PCI slots kept for data volumes: above those the root disk, local disks and NICs take. */
const VOLUME_SLOTS = { first: 0x10, last: 0x1f } as const

/** The lowest PCI slot no volume of `volumes` holds; throws when the guest has no slot left. */
export function freeVolumeSlot(volumes: readonly AttachedVolume[]): number {
  const taken = new Set(volumes.map((v) => v.pciSlot))
  for (let slot: number = VOLUME_SLOTS.first; slot <= VOLUME_SLOTS.last; slot++) {
    if (!taken.has(slot)) return slot
  }
  const count = VOLUME_SLOTS.last - VOLUME_SLOTS.first + 1
  throw new Error(`a guest has room for ${count} data volumes, and this one has them all`)
}

/** The `-device` / `device_add` address of a volume's disk, when it has a slot. */
export function volumeAddress(volume: AttachedVolume): { addr?: string } {
  return volume.pciSlot === undefined ? {} : { addr: `0x${volume.pciSlot.toString(16)}` }
}

/**
 * The netdev and device ids of a NIC: a hot-plugged one is named after its tap, so that it can be
 * found again; the ones from the spawn keep the names by position they always had.
 */
export function nicIds(tap: GuestTap, index: number): { netdev: string; device: string } {
  if (tap.pciSlot === undefined) return { netdev: `net${index}`, device: `nic${index}` }
  return { netdev: `net-${tap.name}`, device: `nic-${tap.name}` }
}

/** PCI slots kept for hot-plugged NICs: above the devices QEMU places itself, below volumes'. */
const NIC_SLOTS = { first: 0x08, last: 0x0f } as const

/**
 * The lowest PCI slot for a new NIC that no tap of `taps` holds and `busy` (the slots a running
 * guest uses) does not list; throws when the guest has no slot left.
 */
export function freeNicSlot(taps: readonly GuestTap[], busy: readonly number[] = []): number {
  const taken = new Set([...taps.map((t) => t.pciSlot), ...busy])
  for (let slot: number = NIC_SLOTS.first; slot <= NIC_SLOTS.last; slot++) {
    if (!taken.has(slot)) return slot
  }
  const count = NIC_SLOTS.last - NIC_SLOTS.first + 1
  throw new Error(`a guest has room for ${count} hot-plugged interfaces, and this one has them all`)
}

/** The `-device` / `device_add` address of a hot-plugged NIC. */
export function nicAddress(tap: GuestTap): { addr?: string } {
  return tap.pciSlot === undefined ? {} : { addr: `0x${tap.pciSlot.toString(16)}` }
}

/** A value inside a QEMU `key=value,...` option, its commas doubled. */
function optionValue(value: string): string {
  return value.replaceAll(',', ',,')
}

/** How long a guest waits for its NBD server to come back before failing the disk's I/O. */
export const NBD_RECONNECT_DELAY_S = 10

/**
 * The `-blockdev` options of a disk: a file node then its format node named `node`, or one NBD
 * node named `node` (the export's server reads the file's format).
 */
function blockdevArgs(
  node: string,
  disk: Pick<AttachedVolume, 'path' | 'format' | 'readOnly' | 'nbd'>,
): string[] {
  const ro = disk.readOnly ? ',read-only=on' : ''
  if (disk.nbd) {
    const { host, port } = disk.nbd
    const server = `server.type=inet,server.host=${optionValue(host)},server.port=${port}`
    const name = `export=${optionValue(disk.nbd.export)}`
    const reconnect = `reconnect-delay=${NBD_RECONNECT_DELAY_S}`
    return ['-blockdev', `driver=nbd,node-name=${node},${server},${name},${reconnect}${ro}`]
  }
  return [
    '-blockdev',
    `driver=file,node-name=${node}-file,filename=${optionValue(disk.path)}${ro}`,
    '-blockdev',
    `driver=${disk.format},node-name=${node},file=${node}-file${ro}`,
  ]
}

/**
 * The arguments of a guest's QEMU: daemonized (the guest outlives the agent), controlled through
 * its QMP socket, serial console appended to a file, root disk, ephemeral and swap disks and
 * volumes as virtio-blk, one virtio-net per tap with the port's MAC, the config drive as an IDE
 * CD-ROM, and direct kernel boot when the image has a kernel. The root disk is the overlay, or
 * the boot volume's file; local disks follow, then data volumes in device order.
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
  const root = record.rootVolume
  args.push(
    ...blockdevArgs('root', root ?? { path: files.overlay, format: 'qcow2', readOnly: false }),
  )
  // direct kernel boot takes boot index 0 for itself
  const rootDevice = `virtio-blk-pci,drive=root,id=root-disk,bootindex=${record.kernel ? 1 : 0}`
  args.push(
    '-device',
    root ? `${rootDevice},serial=${optionValue(volumeIds(root.volumeId).serial)}` : rootDevice,
  )
  // ephemeral then swap disks, each at its own slot: the guest names them vdb, vdc... after vda
  for (const disk of record.localDisks ?? []) {
    const node = `local-${disk.file.replace(/[^\w]/g, '-')}`
    const path = files.localDisk(disk.file)
    args.push(...blockdevArgs(node, { path, format: 'qcow2', readOnly: false }))
    const addr = `addr=0x${disk.pciSlot.toString(16)}`
    args.push('-device', `virtio-blk-pci,drive=${node},id=${node}-disk,${addr}`)
  }
  for (const volume of inDeviceOrder(record.volumes)) {
    const ids = volumeIds(volume.volumeId)
    args.push(...blockdevArgs(ids.node, volume))
    const { addr } = volumeAddress(volume)
    const device = `virtio-blk-pci,drive=${ids.node},id=${ids.device},serial=${optionValue(ids.serial)}`
    args.push('-device', addr ? `${device},addr=${addr}` : device)
  }
  record.taps.forEach((tap, index) => {
    const ids = nicIds(tap, index)
    args.push('-netdev', `tap,id=${ids.netdev},ifname=${tap.name},script=no,downscript=no`)
    const nic = `virtio-net-pci,netdev=${ids.netdev},mac=${tap.mac},id=${ids.device}`
    const { addr } = nicAddress(tap)
    args.push('-device', addr ? `${nic},addr=${addr}` : nic)
  })
  if (record.configDrive) {
    // the tiny guest and cloud-init find it by its label config-2, whatever its device
    const file = `driver=file,node-name=config-drive-file,filename=${files.configDrive},read-only=on`
    args.push('-blockdev', file)
    args.push('-blockdev', 'driver=raw,node-name=config-drive,file=config-drive-file,read-only=on')
    // a CD-ROM on the second IDE channel, as Nova's libvirt driver gives it (hdd): no virtio
    // disk letter is taken, so volumes keep theirs; older guests keep their virtio disk
    args.push(
      '-device',
      record.configDriveBus === 'ide-cd'
        ? 'ide-cd,drive=config-drive,id=config-drive-cd,bus=ide.1,unit=1'
        : 'virtio-blk-pci,drive=config-drive,id=config-drive-disk',
    )
  }
  if (record.kernel) {
    args.push('-kernel', record.kernel)
    if (record.initrd) args.push('-initrd', record.initrd)
    args.push('-append', record.append ?? 'console=ttyS0')
  }
  if (options.incomingState) args.push('-incoming', `exec:cat ${options.incomingState}`)
  return args
}
