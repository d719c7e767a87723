/** @module compute/rpc/guest-spec: the guest an agent is asked to create for a server */
import type { Instance } from '../model/instance.js'
import type { GuestSpec } from '../virt/compute-driver.js'

/**
 * The device names of a server's local disks, as the guest sees them right after its root disk:
 * its ephemeral disks (`/dev/vdb`...), then its swap disk. Volumes are named after them.
 */
export function localDeviceNames(instance: Instance): { ephemerals: string[]; swap?: string } {
  const spec = guestSpecOf(instance)
  const count = spec.ephemerals?.length ?? ((spec.ephemeralGb ?? 0) > 0 ? 1 : 0)
  const name = (i: number) => `/dev/vd${String.fromCharCode(98 + i)}`
  const ephemerals = Array.from({ length: count }, (_, i) => name(i))
  return (spec.swapMb ?? 0) > 0 ? { ephemerals, swap: name(count) } : { ephemerals }
}

/**
 * The guest of a server with its flavor's sizes: the flavor's ephemeral disk, or the ephemeral
 * disks its mappings asked for, and the swap disk of the mapping's size or else the flavor's.
 */
export function guestSpecOf(instance: Instance): GuestSpec {
  const local = instance.requestSpec.localDisks
  const swapMb = local?.swapMb ?? instance.flavor.swap
  return {
    uuid: instance.uuid,
    name: instance.hostname,
    vcpus: instance.flavor.vcpus,
    memoryMb: instance.flavor.memoryMb,
    rootGb: instance.flavor.rootGb,
    imageId: instance.imageRef,
    vifs: instance.networkInfo.map((v) => ({
      portId: v.portId,
      networkId: v.networkId,
      macAddress: v.macAddress,
      fixedIps: v.ips.map((ip) => ip.address),
    })),
    ...(instance.userData ? { userData: instance.userData } : {}),
    ...(instance.keyData ? { keyData: instance.keyData } : {}),
    ...(instance.flavor.ephemeralGb > 0 ? { ephemeralGb: instance.flavor.ephemeralGb } : {}),
    ...(local?.ephemerals?.length ? { ephemerals: local.ephemerals } : {}),
    ...(swapMb > 0 ? { swapMb } : {}),
  }
}
