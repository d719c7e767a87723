/** @module compute/rpc/guest-spec: the guest an agent is asked to create for a server */
import type { Instance } from '../model/instance.js'
import type { GuestSpec } from '../virt/compute-driver.js'

export function guestSpecOf(instance: Instance): GuestSpec {
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
  }
}
