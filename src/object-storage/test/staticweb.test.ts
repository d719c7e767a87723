/** @module object-storage/test/staticweb.test: public containers served as web sites */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { owner, startFixture, url, type Fixture } from './object-storage-fixture.js'

let f: Fixture
const auth = { 'x-auth-token': owner.token }

async function put(path: string, body = '', headers: Record<string, string> = {}) {
  const res = await f.server.app.inject({
    method: 'PUT',
    url: url(owner, path),
    headers: { ...auth, ...headers },
    payload: body,
  })
  expect(res.statusCode).toBeLessThan(300)
}

beforeEach(async () => {
  f = await startFixture()
  await put('/site', '', { 'x-container-read': '.r:*,.rlistings' })
  await put('/site/index.html', '<h1>home</h1>', { 'content-type': 'text/html' })
  await put('/site/docs/a.txt', 'doc a', { 'content-type': 'text/plain' })
  await put('/site/404error.html', 'custom missing page', { 'content-type': 'text/html' })
})
afterEach(async () => {
  await f.close()
})

const web = (headers: Record<string, string>) =>
  f.server.app.inject({
    method: 'POST',
    url: url(owner, '/site'),
    headers: { ...auth, ...headers },
  })
const anon = (path: string, headers: Record<string, string> = {}) =>
  f.server.app.inject({ method: 'GET', url: url(owner, path), headers })

describe('staticweb', () => {
  it('redirects the container to its slash and serves the index page anonymously', async () => {
    await web({ 'x-container-meta-web-index': 'index.html' })
    const bare = await anon('/site')
    expect(bare.statusCode).toBe(301)
    expect(bare.headers['location']).toBe(`${url(owner, '/site')}/`)
    const home = await anon('/site/')
    expect(home.statusCode).toBe(200)
    expect(home.body).toBe('<h1>home</h1>')
    const owned = await anon('/site', auth)
    expect(owned.statusCode).toBe(200)
    expect(owned.body).toContain('index.html')
  })

  it('lists a pseudo-directory as HTML with the listing CSS, and redirects it to its slash', async () => {
    await web({
      'x-container-meta-web-listings': 'true',
      'x-container-meta-web-listings-css': 'style.css',
    })
    const root = await anon('/site/')
    expect(root.statusCode).toBe(200)
    expect(root.headers['content-type']).toBe('text/html; charset=UTF-8')
    expect(root.body).toContain('<link rel="stylesheet" type="text/css" href="style.css" />')
    expect(root.body).toContain('<a href="./docs/">docs/</a>')
    expect(root.body).toContain('<a href="./index%2Ehtml">index.html</a>')
    expect((await anon('/site/docs')).statusCode).toBe(301)
    const docs = await anon('/site/docs/')
    expect(docs.body).toContain('<link rel="stylesheet" type="text/css" href="../style.css" />')
    expect(docs.body).toContain('<tr id="parent" class="item">')
    expect(docs.body).toMatch(
      /<td class="colname"><a href="\.\/a%2Etxt">a\.txt<\/a><\/td>\n {4}<td class="colsize">5<\/td>/,
    )
  })

  it('answers 404 with the web-error page, and a disabled-listing page without listings', async () => {
    await web({
      'x-container-meta-web-error': 'error.html',
      'x-container-meta-web-index': 'nothere.html',
    })
    const missing = await anon('/site/nope.html')
    expect(missing.statusCode).toBe(404)
    expect(missing.body).toBe('custom missing page')
    await web({
      'x-remove-container-meta-web-error': 'x',
      'x-container-meta-web-index': 'nothere.html',
    })
    const root = await anon('/site/')
    expect(root.statusCode).toBe(404)
    expect(root.body).toContain('Web Listing Disabled')
    expect(root.body).toContain('X-Container-Meta-Web-Index: nothere.html')
  })

  it('leaves containers without web settings and authenticated callers alone', async () => {
    expect((await anon('/site')).statusCode).toBe(200)
    expect((await anon('/site/docs/a.txt')).body).toBe('doc a')
    await web({ 'x-container-meta-web-listings': 'true' })
    const json = await anon('/site?format=json', auth)
    expect(json.headers['content-type']).toMatch(/^application\/json/)
    const webMode = await anon('/site/', { ...auth, 'x-web-mode': 'true' })
    expect(webMode.body).toContain('<h1 id="title">Listing of')
  })
})
