/** @module core/auth: request context and token validation */
export * from './request-context.js'
export * from './token-validator.js'
export * from './remote-token-validator.js'
