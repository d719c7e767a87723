/** @module network/agents/metadata/metadata-forwarding: what the metadata proxy sends the compute metadata API and what it answers a guest */
import { createHmac } from 'node:crypto'

/** The guest a metadata request came from, as the network server knows it. */
export interface MetadataGuest {
  /** The server's id: the device_id of its port. */
  instanceId: string
  /** The port's project. */
  projectId: string
  /** The guest's address the request came from. */
  address: string
}

/** Hex HMAC-SHA256 of the instance id keyed with the shared secret, as Nova checks it. */
export function signInstanceId(secret: string, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId, 'utf8').digest('hex')
}

/**
 * The headers of a forwarded request: only the four Nova trusts, built here from the lookup,
 * so nothing the guest sent (its own X-Instance-ID, X-Forwarded-For...) reaches the compute side.
 */
export function forwardedHeaders(guest: MetadataGuest, secret: string): Record<string, string> {
  return {
    'x-forwarded-for': guest.address,
    'x-instance-id': guest.instanceId,
    'x-tenant-id': guest.projectId,
    'x-instance-id-signature': signInstanceId(secret, guest.instanceId),
  }
}

/** A plain text answer to the guest. */
export interface PlainAnswer {
  status: number
  body: string
}

const REASONS: Record<number, [string, string]> = {
  400: [
    'Bad Request',
    'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  ],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  500: [
    'Internal Server Error',
    'The server has either erred or is incapable of performing the requested operation.',
  ],
  502: ['Bad Gateway', 'Bad gateway.'],
  503: [
    'Service Unavailable',
    'The server is currently unavailable. Please try again at a later time.',
  ],
  504: ['Gateway Timeout', 'The gateway has timed out.'],
}

/** The plain text error page Neutron's metadata agent answers with (WebOb's), for `status`. */
export function plainError(status: number, explanation?: string): PlainAnswer {
  const [title, text] = REASONS[status] ?? REASONS[500] ?? ['', '']
  const code = REASONS[status] ? status : 500
  return { status: code, body: `${code} ${title}\n\n${explanation ?? text}\n\n   ` }
}

/** What the guest gets when the compute metadata API failed, could not be reached or timed out. */
export const REMOTE_ERROR = 'Remote metadata server experienced an internal server error.'

/**
 * The answer to the guest for a compute metadata API status other than 200, as Neutron maps
 * them: 400, 403, 404, 409, 502, 503 and 504 pass as their plain pages, anything else is a 500
 * saying the remote server failed.
 */
export function answerForUpstreamStatus(status: number): PlainAnswer {
  if ([400, 403, 404, 409, 502, 503, 504].includes(status)) return plainError(status)
  return plainError(500, REMOTE_ERROR)
}
