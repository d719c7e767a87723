/** @module core/bus/errors.test */

import { describe, expect, it } from 'vitest'
import { RemoteError, toRemoteErrorData } from './errors.js'

describe('toRemoteErrorData', () => {
  it('keeps the name, message and numeric status of an error', () => {
    const error = Object.assign(new Error('gone'), { name: 'ImageNotFoundError', status: 404 })
    expect(toRemoteErrorData(error)).toEqual({
      name: 'ImageNotFoundError',
      message: 'gone',
      status: 404,
    })
  })

  it('leaves out a status that is not an integer', () => {
    const error = Object.assign(new Error('odd'), { status: '404' })
    expect(toRemoteErrorData(error)).toEqual({ name: 'Error', message: 'odd' })
  })

  it('describes a thrown non-error by its string form', () => {
    expect(toRemoteErrorData('plain string')).toEqual({ name: 'Error', message: 'plain string' })
  })

  it('passes a relayed RemoteError on as the original remote error', () => {
    const relayed = new RemoteError({ name: 'QuotaExceeded', message: 'over', status: 413 })
    expect(toRemoteErrorData(relayed)).toEqual({
      name: 'QuotaExceeded',
      message: 'over',
      status: 413,
    })
  })
})

describe('RemoteError', () => {
  it('names the remote error in its message and defaults its status to 500', () => {
    const error = new RemoteError({ name: 'TypeError', message: 'x is undefined' })
    expect(error.message).toBe('TypeError: x is undefined')
    expect(error.status).toBe(500)
    expect(error.remoteStatus).toBeUndefined()
  })
})
