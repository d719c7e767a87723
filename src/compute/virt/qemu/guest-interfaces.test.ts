/** @module compute/virt/qemu/guest-interfaces.test: a hot-plugged NIC's place on the command line and its PCI slot */
import { describe, expect, it } from 'vitest'
import { GuestFiles, type GuestRecord, type GuestTap } from './guest-record.js'
import { freeNicSlot, qemuArgs } from './qemu-command.js'

const files = new GuestFiles('/data/qemu/guests', 'g1')

function record(taps: GuestTap[]): GuestRecord {
  const spec = { uuid: 'g1', name: 'g1', vcpus: 1, memoryMb: 128, rootGb: 1, imageId: 'img' }
  return { spec: { ...spec, vifs: [] }, baseFormat: 'raw', taps, volumes: [] }
}

/** The values of every `-netdev` and `virtio-net-pci` `-device`, in order. */
function nics(args: string[]): string[] {
  return args.flatMap((a, i) =>
    args[i - 1] === '-netdev' || (args[i - 1] === '-device' && a.startsWith('virtio-net'))
      ? [a]
      : [],
  )
}

describe('NICs on the command line', () => {
  it('keeps the spawned NICs named by position and puts a hot-plugged one at its slot, named after its tap', () => {
    const args = qemuArgs(
      record([
        { name: 'tapaaaaaaaaaaa', mac: 'fa:16:3e:00:00:01' },
        { name: 'tapbbbbbbbbbbb', mac: 'fa:16:3e:00:00:02', pciSlot: 0x09 },
      ]),
      files,
      { accel: 'tcg' },
    )
    expect(nics(args)).toEqual([
      'tap,id=net0,ifname=tapaaaaaaaaaaa,script=no,downscript=no',
      'virtio-net-pci,netdev=net0,mac=fa:16:3e:00:00:01,id=nic0',
      'tap,id=net-tapbbbbbbbbbbb,ifname=tapbbbbbbbbbbb,script=no,downscript=no',
      'virtio-net-pci,netdev=net-tapbbbbbbbbbbb,mac=fa:16:3e:00:00:02,id=nic-tapbbbbbbbbbbb,addr=0x9',
    ])
  })
})

describe('freeNicSlot', () => {
  it('takes the lowest slot from 0x08 that neither a tap nor the running guest holds', () => {
    expect(freeNicSlot([])).toBe(0x08)
    const taps = [{ name: 't1', mac: 'm1', pciSlot: 0x08 }]
    expect(freeNicSlot(taps)).toBe(0x09)
    expect(freeNicSlot(taps, [0x02, 0x03, 0x09])).toBe(0x0a)
  })

  it('refuses a ninth hot-plugged NIC', () => {
    const taps = Array.from({ length: 8 }, (_, i) => ({ name: `t${i}`, mac: 'm', pciSlot: 8 + i }))
    expect(() => freeNicSlot(taps)).toThrow(/room for 8 hot-plugged interfaces/)
  })
})
