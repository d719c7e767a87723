/** @module compute/virt/driver-names: the compute drivers a deployment can choose */

export const COMPUTE_DRIVERS = ['fake', 'qemu', 'container'] as const
export type ComputeDriverName = (typeof COMPUTE_DRIVERS)[number]
