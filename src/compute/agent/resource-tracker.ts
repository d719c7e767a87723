/** @module compute/agent/resource-tracker: reports the host's inventory to placement */
import type { PlacementClient } from '../../clients/placement-client.js'
import type { ComputeDriver } from '../virt/compute-driver.js'

/** Placement-style allocation ratios, as Nova's defaults (cpu 4.0 since Stein is 16.0 initial). */
export const ALLOCATION_RATIOS = { VCPU: 4, MEMORY_MB: 1.5, DISK_GB: 1 } as const

/** Creates the host's resource provider if needed and sets its inventory; returns its uuid. */
export async function reportInventory(
  placement: PlacementClient,
  driver: ComputeDriver,
  host: { name: string; providerUuid: string },
): Promise<string> {
  const res = await driver.hostResources()
  const uuid = await placement.ensureProvider(host.name, host.providerUuid)
  await placement.setInventories(uuid, {
    VCPU: { total: res.vcpus, allocationRatio: ALLOCATION_RATIOS.VCPU },
    MEMORY_MB: { total: res.memoryMb, reserved: 512, allocationRatio: ALLOCATION_RATIOS.MEMORY_MB },
    DISK_GB: { total: res.diskGb, allocationRatio: ALLOCATION_RATIOS.DISK_GB },
  })
  return uuid
}
