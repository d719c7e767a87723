/** @module object-storage/test/tempurl.test: signed URLs, their Content-Disposition and Expires */
import { createHmac } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { owner, startFixture, url, type Fixture } from './object-storage-fixture.js'

let f: Fixture
const auth = { 'x-auth-token': owner.token }
const KEY = 'tempurl-secret'

beforeEach(async () => {
  f = await startFixture()
  await f.server.app.inject({
    method: 'POST',
    url: url(owner),
    headers: { ...auth, 'x-account-meta-temp-url-key': KEY },
  })
  await f.server.app.inject({ method: 'PUT', url: url(owner, '/c'), headers: auth })
  await f.server.app.inject({
    method: 'PUT',
    url: url(owner, '/c/dir/report 1.pdf'),
    headers: auth,
    payload: 'pdf bytes',
  })
})
afterEach(async () => {
  await f.close()
})

function signed(extra = '', key = KEY) {
  const path = url(owner, '/c/dir/report%201.pdf')
  const expires = Math.floor(Date.now() / 1000) + 600
  const sig = createHmac('sha256', key).update(`GET\n${expires}\n${path}`).digest('hex')
  return {
    expires,
    get: () =>
      f.server.app.inject({
        method: 'GET',
        url: `${path}?temp_url_sig=${sig}&temp_url_expires=${expires}${extra}`,
      }),
  }
}

describe('TempURL', () => {
  it('serves the object as an attachment named after it, with Expires at the expiry', async () => {
    const { get, expires } = signed()
    const res = await get()
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('pdf bytes')
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="report 1.pdf"; filename*=UTF-8''report%201.pdf`,
    )
    expect(res.headers['expires']).toBe(new Date(expires * 1000).toUTCString())
  })

  it('honours inline and filename in the query', async () => {
    expect((await signed('&inline').get()).headers['content-disposition']).toBe('inline')
    expect(
      (await signed('&filename=r%C3%A9sum%C3%A9.pdf').get()).headers['content-disposition'],
    ).toBe(`attachment; filename="r%C3%A9sum%C3%A9.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`)
    expect((await signed('&inline&filename=a b').get()).headers['content-disposition']).toBe(
      `inline; filename="a b"; filename*=UTF-8''a%20b`,
    )
  })

  it('answers 401 for a signature made with another key', async () => {
    const res = await signed('', 'wrong').get()
    expect(res.statusCode).toBe(401)
    expect(res.headers['content-disposition']).toBeUndefined()
  })
})
