/** @module core/log */
export * from './logger.js'
