/** @module compute/virt/qemu/qemu-command.test: the disks on a guest's QEMU command line */
import { describe, expect, it } from 'vitest'
import { GuestFiles, type AttachedVolume, type GuestRecord } from './guest-record.js'
import { freeVolumeSlot, qemuArgs } from './qemu-command.js'

const files = new GuestFiles('/data/qemu/guests', 'g1')

function record(extra: Partial<GuestRecord> = {}): GuestRecord {
  const spec = { uuid: 'g1', name: 'g1', vcpus: 1, memoryMb: 128, rootGb: 1, imageId: 'img' }
  return { spec: { ...spec, vifs: [] }, baseFormat: 'raw', taps: [], volumes: [], ...extra }
}

function volume(volumeId: string, device: string, extra: Partial<AttachedVolume> = {}) {
  const path = `/data/volumes/volume-${volumeId}`
  return { volumeId, device, path, format: 'raw' as const, readOnly: false, ...extra }
}

/** The values of every `-blockdev` and `-device`, in order. */
function disks(args: string[]): string[] {
  return args.flatMap((a, i) =>
    args[i - 1] === '-blockdev' || args[i - 1] === '-device' ? [a] : [],
  )
}

describe('qemuArgs', () => {
  it('gives data volumes to the guest in device order, each with its serial', () => {
    const vdaa = volume('aa', '/dev/vdaa')
    const vdc = volume('c', '/dev/vdc')
    const vdb = volume('b', '/dev/vdb')
    const serials = disks(qemuArgs(record({ volumes: [vdaa, vdc, vdb] }), files, { accel: 'tcg' }))
      .filter((d) => d.startsWith('virtio-blk-pci'))
      .map((d) => /serial=([^,]+)/.exec(d)?.[1] ?? 'root')
    expect(serials).toEqual(['root', 'b', 'c', 'aa'])
  })

  it('puts a volume with a PCI slot at that slot, so hotplug and restart agree', () => {
    const vdb = volume('b', '/dev/vdb', { pciSlot: 0x11 })
    const args = qemuArgs(record({ volumes: [vdb] }), files, { accel: 'tcg' })
    expect(disks(args)).toContain('virtio-blk-pci,drive=vol-b,id=vdev-b,serial=b,addr=0x11')
  })

  it('gives volumes the lowest free slot of the volume range, and refuses a seventeenth', () => {
    expect(freeVolumeSlot([])).toBe(0x10)
    const used = [0x10, 0x12].map((pciSlot, i) => volume(`v${i}`, `/dev/vd${i}`, { pciSlot }))
    expect(freeVolumeSlot(used)).toBe(0x11)
    const full = Array.from({ length: 16 }, (_, i) =>
      volume(`v${i}`, `/dev/x${i}`, { pciSlot: 0x10 + i }),
    )
    expect(() => freeVolumeSlot(full)).toThrow(/room for 16 data volumes/)
  })

  it('opens a read-only volume read-only on both of its block nodes', () => {
    const args = qemuArgs(
      record({ volumes: [volume('ro', '/dev/vdb', { readOnly: true, format: 'qcow2' })] }),
      files,
      { accel: 'tcg' },
    )
    expect(disks(args)).toContain(
      'driver=file,node-name=vol-ro-file,filename=/data/volumes/volume-ro,read-only=on',
    )
    expect(disks(args)).toContain('driver=qcow2,node-name=vol-ro,file=vol-ro-file,read-only=on')
  })

  it('opens an NBD volume as one nbd block node on the export, read-only when the volume is', () => {
    const nbd = { host: '10.0.0.5', port: 10810, export: 'volume-n1' }
    const args = qemuArgs(
      record({ volumes: [volume('n1', '/dev/vdb', { nbd, readOnly: true, pciSlot: 0x10 })] }),
      files,
      { accel: 'tcg' },
    )
    expect(disks(args)).toContain(
      'driver=nbd,node-name=vol-n1,server.type=inet,server.host=10.0.0.5,server.port=10810,export=volume-n1,reconnect-delay=10,read-only=on',
    )
    expect(disks(args)).toContain('virtio-blk-pci,drive=vol-n1,id=vdev-n1,serial=n1,addr=0x10')
    expect(args.join(' ')).not.toContain('vol-n1-file')
  })

  it('boots from a boot volume reached over NBD', () => {
    const nbd = { host: '10.0.0.5', port: 10811, export: 'volume-b' }
    const args = qemuArgs(record({ rootVolume: volume('b', '/dev/vda', { nbd }) }), files, {
      accel: 'tcg',
    })
    expect(disks(args).slice(0, 2)).toEqual([
      'driver=nbd,node-name=root,server.type=inet,server.host=10.0.0.5,server.port=10811,export=volume-b,reconnect-delay=10',
      'virtio-blk-pci,drive=root,id=root-disk,bootindex=0,serial=b',
    ])
  })

  it('boots from the boot volume file with no overlay, after the kernel when there is one', () => {
    const rootVolume = volume('boot,1', '/dev/vda', { format: 'qcow2' })
    const args = qemuArgs(record({ rootVolume, kernel: '/k', initrd: '/i' }), files, {
      accel: 'tcg',
    })
    expect(args.join(' ')).not.toContain(files.overlay)
    expect(disks(args).slice(0, 3)).toEqual([
      'driver=file,node-name=root-file,filename=/data/volumes/volume-boot,,1',
      'driver=qcow2,node-name=root,file=root-file',
      'virtio-blk-pci,drive=root,id=root-disk,bootindex=1,serial=boot,,1',
    ])
    expect(args.slice(args.indexOf('-kernel'), args.indexOf('-kernel') + 2)).toEqual([
      '-kernel',
      '/k',
    ])
  })

  it('puts ephemeral then swap disks right after the root disk, at their own slots, before volumes', () => {
    const localDisks = [
      { kind: 'ephemeral' as const, file: 'disk.local', sizeMb: 1024, format: 'ext4', pciSlot: 3 },
      { kind: 'swap' as const, file: 'disk.swap', sizeMb: 64, format: 'swap', pciSlot: 4 },
    ]
    const args = qemuArgs(
      record({ localDisks, volumes: [volume('b', '/dev/vdd', { pciSlot: 0x10 })] }),
      files,
      { accel: 'tcg' },
    )
    const devices = disks(args).filter((d) => d.startsWith('virtio-blk-pci'))
    expect(devices).toEqual([
      'virtio-blk-pci,drive=root,id=root-disk,bootindex=0',
      'virtio-blk-pci,drive=local-disk-local,id=local-disk-local-disk,addr=0x3',
      'virtio-blk-pci,drive=local-disk-swap,id=local-disk-swap-disk,addr=0x4',
      'virtio-blk-pci,drive=vol-b,id=vdev-b,serial=b,addr=0x10',
    ])
    expect(disks(args)).toContain(
      'driver=file,node-name=local-disk-local-file,filename=/data/qemu/guests/g1/disk.local',
    )
    expect(disks(args)).toContain(
      'driver=qcow2,node-name=local-disk-swap,file=local-disk-swap-file',
    )
  })

  it('gives the config drive as a read-only IDE CD-ROM, so it takes no virtio disk letter', () => {
    const args = qemuArgs(record({ configDrive: true, configDriveBus: 'ide-cd' }), files, {
      accel: 'tcg',
    })
    expect(disks(args)).toContain(
      'driver=file,node-name=config-drive-file,filename=/data/qemu/guests/g1/disk.config,read-only=on',
    )
    expect(disks(args)).toContain('ide-cd,drive=config-drive,id=config-drive-cd,bus=ide.1,unit=1')
    expect(disks(args).filter((d) => d.startsWith('virtio-blk-pci'))).toHaveLength(1)
  })

  it('keeps the virtio config drive of a guest spawned before it became a CD-ROM', () => {
    const args = qemuArgs(record({ configDrive: true }), files, { accel: 'tcg' })
    expect(disks(args)).toContain('virtio-blk-pci,drive=config-drive,id=config-drive-disk')
    expect(args.join(' ')).not.toContain('ide-cd')
  })
})
