/** @module compute/api/request-id-header: Nova's request-id header on every compute response */
import type { FastifyInstance } from 'fastify'

/**
 * Adds Nova's `x-compute-request-id` header. Malformed (400) and unsupported (406) versions need
 * nothing here: they are CloudErrors that core's route handler renders in the compute format.
 */
export function computeRequestIdHeader() {
  return (scope: FastifyInstance): void => {
    // Nova names the request id in its own header too; clients (and Tempest) read it there.
    scope.addHook('onSend', async (request, reply) => {
      reply.header('x-compute-request-id', request.id)
    })
  }
}
