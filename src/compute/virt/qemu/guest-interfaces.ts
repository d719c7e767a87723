/** @module compute/virt/qemu/guest-interfaces: a port's tap on its bridge, hot-plugged into a guest as virtio-net */
import { deleteLink, getLink, setLink } from '../../../core/sys/ip-link.js'
import { ensureTap } from '../../../core/sys/tap-device.js'
import type { GuestTap } from './guest-record.js'
import { nicAddress, nicIds } from './qemu-command.js'
import type { QmpConnection } from './qmp-client.js'

/** An interface the qemu driver cannot plug into or unplug from a guest, and why. */
export class GuestInterfaceError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GuestInterfaceError'
  }
}

/** The tap of a port, named as the L2 agent expects it. */
export function tapNameOf(portId: string): string {
  return `tap${portId.slice(0, 11)}`
}

/** The bridge the L2 agent gives a network on this host. */
export function bridgeNameOf(networkId: string): string {
  return `brq${networkId.slice(0, 11)}`
}

/**
 * Creates the port's tap (unless it exists) and puts it on its network's bridge with the bridge's
 * MTU, up. The L2 agent enslaves it too when the bridge comes later; doing it here saves the
 * guest's DHCP a poll period. Answers whether the tap is new.
 */
export async function prepareTap(name: string, networkId: string): Promise<boolean> {
  const created = !(await getLink(name))
  await ensureTap(name)
  const bridge = await getLink(bridgeNameOf(networkId))
  await setLink(name, bridge ? { master: bridge.name, mtu: bridge.mtu, up: true } : { up: true })
  return created
}

/** The PCI slots a running guest's devices hold on its root bus. */
export async function busySlots(qmp: QmpConnection): Promise<number[]> {
  const buses = (await qmp.execute('query-pci')) as { devices?: { slot?: number }[] }[]
  return buses.flatMap((bus) => (bus.devices ?? []).map((d) => d.slot ?? -1))
}

/** Hotplugs a tap into a running guest as a virtio-net NIC; undoes the netdev on failure. */
export async function plugNic(qmp: QmpConnection, tap: GuestTap): Promise<void> {
  const ids = nicIds(tap, 0)
  await qmp.execute('netdev_add', {
    type: 'tap',
    id: ids.netdev,
    ifname: tap.name,
    script: 'no',
    downscript: 'no',
  })
  try {
    await qmp.execute('device_add', {
      driver: 'virtio-net-pci',
      netdev: ids.netdev,
      mac: tap.mac,
      id: ids.device,
      ...nicAddress(tap),
    })
  } catch (error) {
    await qmp.execute('netdev_del', { id: ids.netdev }).catch(() => undefined)
    throw error
  }
}

/**
 * The ids a running guest's NIC of this MAC has, whatever the start that named it (a NIC from the
 * spawn is named by its position then, which a detach before it may have changed since).
 */
async function liveNic(
  qmp: QmpConnection,
  mac: string,
): Promise<{ device: string; netdev: string } | undefined> {
  const filters = (await qmp.execute('query-rx-filter')) as { name: string; 'main-mac': string }[]
  const nic = filters.find((f) => f['main-mac'].toLowerCase() === mac.toLowerCase())
  if (!nic) return undefined
  const netdev = await qmp.execute('qom-get', {
    path: `/machine/peripheral/${nic.name}`,
    property: 'netdev',
  })
  return { device: nic.name, netdev: String(netdev) }
}

/** Unplugs a NIC from a running guest once the guest has released it, then its netdev. */
export async function unplugNic(qmp: QmpConnection, tap: GuestTap, timeoutMs: number) {
  const nic = await liveNic(qmp, tap.mac)
  if (!nic) return
  const deleted = qmp.waitForEvent('DEVICE_DELETED', timeoutMs)
  await qmp.execute('device_del', { id: nic.device })
  if ((await deleted) === undefined) {
    throw new GuestInterfaceError(
      `the guest did not release the interface with MAC ${tap.mac} within ${timeoutMs} ms; it stays attached`,
    )
  }
  await qmp.execute('netdev_del', { id: nic.netdev })
}

/** Deletes a tap; one already gone is not an error. */
export async function removeTap(name: string): Promise<void> {
  await deleteLink(name)
}
