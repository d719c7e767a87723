/** @module object-storage/test/bulk-delete.test: ?bulk-delete by POST and DELETE with Swift's result body */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { owner, startFixture, url, type Fixture } from './object-storage-fixture.js'

let f: Fixture
const auth = { 'x-auth-token': owner.token }

beforeEach(async () => {
  f = await startFixture()
  for (const path of ['/a', '/a/1', '/a/2', '/b', '/b/keep'])
    await f.server.app.inject({ method: 'PUT', url: url(owner, path), headers: auth, payload: 'x' })
})
afterEach(async () => {
  await f.close()
})

function bulk(method: 'POST' | 'DELETE', lines: string[], accept?: string) {
  return f.server.app.inject({
    method,
    url: url(owner, '?bulk-delete'),
    headers: { ...auth, 'content-type': 'text/plain', ...(accept ? { accept } : {}) },
    payload: lines.join('\n'),
  })
}

describe('bulk delete', () => {
  it('deletes objects then their container by DELETE, answering JSON when asked', async () => {
    const res = await bulk('DELETE', ['/a/1', '/a/2', '/a', '/a/missing'], 'application/json')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      'Response Status': '200 OK',
      'Response Body': '',
      'Number Deleted': 3,
      'Number Not Found': 1,
      Errors: [],
    })
    const head = await f.server.app.inject({ method: 'HEAD', url: url(owner, '/a'), headers: auth })
    expect(head.statusCode).toBe(404)
  })

  it('lists what it could not delete, in plain text with sorted keys by default', async () => {
    const res = await bulk('POST', ['/b'])
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(res.body).toBe(
      [
        'Number Deleted: 0',
        'Number Not Found: 0',
        'Response Body: ',
        'Response Status: 400 Bad Request',
        'Errors:',
        '/b, 409 Conflict',
        '',
      ].join('\n'),
    )
  })
})
