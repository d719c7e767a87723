/** @module core/config: typed configuration from defaults, file, environment and flags */
export * from './config-fields.js'
