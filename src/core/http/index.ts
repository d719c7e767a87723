/** @module core/http: listener, route tables, validation, microversions */
export * from './route.js'
export * from './server.js'
export * from './service-mount.js'
export * from './validation.js'
export * from './body-parsers.js'
export * from './microversion.js'
export * from './file-stream.js'
