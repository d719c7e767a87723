import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  answerForUpstreamStatus,
  forwardedHeaders,
  plainError,
  REMOTE_ERROR,
  signInstanceId,
} from './metadata-forwarding.js'

describe('metadata forwarding', () => {
  it('signs the instance id with hex HMAC-SHA256 keyed by the shared secret', () => {
    const expected = createHmac('sha256', 's3cret').update('uuid-1').digest('hex')
    expect(signInstanceId('s3cret', 'uuid-1')).toBe(expected)
    expect(signInstanceId('s3cret', 'uuid-1')).toMatch(/^[0-9a-f]{64}$/)
    expect(signInstanceId('other', 'uuid-1')).not.toBe(expected)
  })

  it('builds exactly the four headers Nova trusts from the lookup', () => {
    const headers = forwardedHeaders(
      { instanceId: 'uuid-1', projectId: 'p1', address: '10.0.0.5' },
      's3cret',
    )
    expect(headers).toEqual({
      'x-forwarded-for': '10.0.0.5',
      'x-instance-id': 'uuid-1',
      'x-tenant-id': 'p1',
      'x-instance-id-signature': signInstanceId('s3cret', 'uuid-1'),
    })
  })

  it('answers plain text pages as Neutron does', () => {
    expect(plainError(404)).toEqual({
      status: 404,
      body: '404 Not Found\n\nThe resource could not be found.\n\n   ',
    })
    expect(answerForUpstreamStatus(500)).toEqual({
      status: 500,
      body: `500 Internal Server Error\n\n${REMOTE_ERROR}\n\n   `,
    })
    expect(answerForUpstreamStatus(403).status).toBe(403)
    expect(answerForUpstreamStatus(409).status).toBe(409)
    // anything Neutron does not pass on becomes the remote error
    expect(answerForUpstreamStatus(302)).toEqual(answerForUpstreamStatus(500))
    expect(answerForUpstreamStatus(418).status).toBe(500)
  })
})
