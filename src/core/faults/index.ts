/** @module core/faults: one renderer per fault family */
export * from './fault.js'
export * from './identity-fault.js'
export * from './compute-fault.js'
export * from './network-fault.js'
export * from './object-storage-fault.js'
export * from './image-fault.js'
