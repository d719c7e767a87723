/** @module placement/api/placement-fault: Placement's `{"errors": [{status, title, detail}]}` */
import { reasonPhrase, type FaultRenderer } from '../../core/faults/index.js'

/** Renders errors as the Placement API does. */
export const renderPlacementFault: FaultRenderer = (error) => ({
  status: error.status,
  contentType: 'application/json',
  headers: error.headers,
  body: JSON.stringify({
    errors: [
      {
        status: error.status,
        title: reasonPhrase(error.status),
        detail: error.message,
        code:
          error.name === 'GenerationConflictError'
            ? 'placement.concurrent_update'
            : 'placement.undefined_code',
      },
    ],
  }),
})
