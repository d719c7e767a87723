/** @module core/ids */
export * from './ids.js'
