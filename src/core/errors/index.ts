/** @module core/errors: CloudError and its families */
export * from './cloud-error.js'
