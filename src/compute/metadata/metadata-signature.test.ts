import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { signInstanceId, verifyInstanceSignature } from './metadata-signature.js'

describe('metadata signature', () => {
  const id = '6d1f7f3c-1b1e-4bbd-9f0c-5e4e0c3c2a11'

  it('is the hex HMAC-SHA256 of the instance id keyed with the secret', () => {
    const expected = createHmac('sha256', 's3cret').update(id).digest('hex')
    expect(signInstanceId('s3cret', id)).toBe(expected)
    expect(signInstanceId('s3cret', id)).toMatch(/^[0-9a-f]{64}$/)
  })

  it('accepts the right signature and refuses a wrong, missing or other-secret one', () => {
    const good = signInstanceId('s3cret', id)
    expect(verifyInstanceSignature('s3cret', id, good)).toBe(true)
    expect(verifyInstanceSignature('s3cret', id, undefined)).toBe(false)
    expect(verifyInstanceSignature('s3cret', id, '')).toBe(false)
    expect(verifyInstanceSignature('other', id, good)).toBe(false)
    expect(verifyInstanceSignature('s3cret', `${id}x`, good)).toBe(false)
    expect(verifyInstanceSignature('s3cret', id, good.slice(1))).toBe(false)
  })
})
