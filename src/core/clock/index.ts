/** @module core/clock */
export * from './clock.js'
