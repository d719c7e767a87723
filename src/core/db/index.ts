/** @module core/db: database access for every service */
export * from './database.js'
export * from './migrator.js'
export * from './columns.js'
