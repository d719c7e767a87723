/** @module object-storage/test/extract-archive.test: PUT ?extract-archive as Swift's bulk middleware answers it */
import { createHash, randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import type { ObjectStorageConfig } from '../config.js'
import { other, owner, startFixture, url, type Fixture } from './object-storage-fixture.js'
import { gnuTar, handTar } from './tar-fixture.js'

let f: Fixture | undefined
const auth = { 'x-auth-token': owner.token }

async function start(config: Partial<ObjectStorageConfig> = {}): Promise<Fixture> {
  f = await startFixture(config)
  return f
}
afterEach(async () => {
  await f?.close()
  f = undefined
})

function extract(
  fx: Fixture,
  path: string,
  archive: Buffer,
  options: { type?: string; headers?: Record<string, string> } = {},
) {
  return fx.server.app.inject({
    method: 'PUT',
    url: url(owner, `${path}?extract-archive=${options.type ?? 'tar'}`),
    headers: { ...auth, accept: 'application/json', ...options.headers },
    payload: archive,
  })
}

function get(fx: Fixture, path: string) {
  return fx.server.app.inject({ method: 'GET', url: url(owner, path), headers: auth })
}

describe('extract-archive', () => {
  it('creates containers and objects from a tar sent to the account, ignoring top-level files', async () => {
    const fx = await start()
    const big = randomBytes(200_000)
    const archive = await gnuTar({
      'photos/a.txt': 'alpha',
      'photos/2024/b.json': '{"b":1}',
      'docs/big.bin': big,
      'top.txt': 'no container',
    })
    const res = await extract(fx, '', archive)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.json()).toEqual({
      'Response Status': '201 Created',
      'Response Body': '',
      'Number Files Created': 3,
      Errors: [],
    })
    expect((await get(fx, '/photos/a.txt')).body).toBe('alpha')
    const json = await get(fx, '/photos/2024/b.json')
    expect(json.headers['content-type']).toBe('application/json')
    const stored = await get(fx, '/docs/big.bin')
    expect(stored.rawPayload.equals(big)).toBe(true)
    expect(stored.headers['etag']).toBe(createHash('md5').update(big).digest('hex'))
    const containers = await fx.server.app.inject({
      method: 'GET',
      url: url(owner, '?format=json'),
      headers: auth,
    })
    expect((containers.json() as { name: string }[]).map((c) => c.name)).toEqual(['docs', 'photos'])
    expect((await get(fx, '/top.txt')).statusCode).toBe(404)
  })

  it('puts a tar.gz under a container and prefix, passing metadata headers and pax xattrs', async () => {
    const fx = await start()
    await fx.server.app.inject({ method: 'PUT', url: url(owner, '/c'), headers: auth })
    const archive = gzipSync(
      handTar([
        { name: './dir', type: '5' },
        { name: './dir/x.dat', data: 'xx' },
        {
          name: 'y',
          data: 'yy',
          pax: {
            'SCHILY.xattr.user.meta.color': 'blue',
            'SCHILY.xattr.user.mime_type': 'text/x-why',
          },
        },
        { name: 'link', type: '2' },
      ]),
    )
    const res = await extract(fx, '/c/pre/', archive, {
      type: 'tar.gz',
      headers: { 'x-object-meta-batch': '7' },
    })
    expect(res.json()).toMatchObject({
      'Number Files Created': 2,
      'Response Status': '201 Created',
    })
    const x = await get(fx, '/c/pre/dir/x.dat')
    expect(x.body).toBe('xx')
    expect(x.headers['x-object-meta-batch']).toBe('7')
    const y = await get(fx, '/c/pre/y')
    expect(y.headers['x-object-meta-color']).toBe('blue')
    expect(y.headers['content-type']).toBe('text/x-why')
    const listing = await get(fx, '/c?format=json')
    expect((listing.json() as { name: string }[]).map((o) => o.name)).toEqual([
      'pre/dir/x.dat',
      'pre/y',
    ])
  })

  it('answers in plain text by default and in XML when asked, keys sorted as Swift does', async () => {
    const fx = await start()
    const archive = handTar([
      { name: 'c/o', data: 'v' },
      { name: 'long', data: 'w', pax: { path: `c/${'n'.repeat(1100)}` } },
    ])
    const plain = await extract(fx, '', archive, { headers: { accept: '' } })
    expect(plain.headers['content-type']).toMatch(/^text\/plain/)
    const quoted = 'c/' + 'n'.repeat(1022)
    expect(plain.body).toBe(
      [
        'Number Files Created: 1',
        'Response Body: ',
        'Response Status: 400 Bad Request',
        'Errors:',
        `${quoted}, 400 Bad Request`,
        '',
      ].join('\n'),
    )
    const xml = await extract(fx, '', handTar([{ name: 'c/p', data: 'v' }]), {
      headers: { accept: 'application/xml' },
    })
    expect(xml.body).toBe(
      [
        '<extract>',
        '<number_files_created>1</number_files_created>',
        '<response_body></response_body>',
        '<response_status>201 Created</response_status>',
        '<errors>',
        '</errors>',
        '</extract>',
        '',
      ].join('\n'),
    )
    const refused = await extract(fx, '', archive, { headers: { accept: 'image/png' } })
    expect(refused.statusCode).toBe(200)
    expect(refused.body).toMatch(/^Number Files Created: 0\n/)
    expect(refused.body).toContain('Response Status: 406 Not Acceptable')
  })

  it('reports broken and empty archives and refuses tar.bz2 and unknown formats', async () => {
    const fx = await start()
    const garbage = await extract(fx, '', Buffer.from('this is not a tar archive'.repeat(40)))
    expect(garbage.json()).toMatchObject({
      'Response Status': '400 Bad Request',
      'Response Body': 'Invalid Tar File: checksum mismatch in a member header',
      'Number Files Created': 0,
    })
    const badGzip = await extract(fx, '', Buffer.from('not gzip at all'), { type: 'tar.gz' })
    expect(badGzip.json()['Response Body']).toMatch(/^Invalid Tar File: /)
    const empty = await extract(fx, '', Buffer.alloc(1024))
    expect(empty.json()).toMatchObject({
      'Response Status': '400 Bad Request',
      'Response Body': 'Invalid Tar File: No Valid Files',
    })
    const bz2 = await extract(fx, '', handTar([{ name: 'c/o', data: 'v' }]), { type: 'tar.bz2' })
    expect(bz2.statusCode).toBe(400)
    expect(bz2.body).toContain('tar.bz2 archives are not supported')
    const zip = await extract(fx, '', Buffer.from('PK'), { type: 'zip' })
    expect(zip.statusCode).toBe(400)
    expect(zip.body).toContain('Unsupported archive format')
    const noLength = await fx.server.app.inject({
      method: 'PUT',
      url: url(owner, '?extract-archive=tar'),
      headers: { ...auth, accept: 'application/json' },
    })
    expect(noLength.json()['Response Status']).toBe('411 Length Required')
  })

  it('stops at the archive size and object count limits', async () => {
    const fx = await start({ maxArchiveObjects: 2, maxArchiveSize: 8 * 1024 })
    const many = handTar([
      { name: 'c/1', data: 'a' },
      { name: 'c/2', data: 'b' },
      { name: 'c/3', data: 'c' },
    ])
    expect((await extract(fx, '', many)).json()).toMatchObject({
      'Response Status': '400 Bad Request',
      'Response Body': 'More than 2 objects in the archive.',
      'Number Files Created': 2,
    })
    const large = handTar([{ name: 'c/big', data: randomBytes(9 * 1024) }])
    expect((await extract(fx, '', large)).json()).toMatchObject({
      'Response Status': '413 Request Entity Too Large',
      'Response Body': 'Archive larger than the limit of 8192 bytes.',
    })
    const gz = gzipSync(handTar([{ name: 'c/zeros', data: Buffer.alloc(64 * 1024) }]))
    expect(gz.length).toBeLessThan(8 * 1024)
    expect((await extract(fx, '', gz, { type: 'tar.gz' })).json()).toMatchObject({
      'Response Status': '413 Request Entity Too Large',
    })
    expect((await get(fx, '/c/zeros')).statusCode).toBe(404)
  })

  it('lists the objects a caller may not write, and stops at 401 for anonymous callers', async () => {
    const fx = await start()
    await fx.server.app.inject({ method: 'PUT', url: url(owner, '/c'), headers: auth })
    const archive = handTar([{ name: 'o', data: 'v' }])
    const stranger = await fx.server.app.inject({
      method: 'PUT',
      url: url(owner, '/c?extract-archive=tar'),
      headers: { 'x-auth-token': other.token, accept: 'application/json' },
      payload: archive,
    })
    expect(stranger.json()).toEqual({
      'Response Status': '400 Bad Request',
      'Response Body': '',
      'Number Files Created': 0,
      Errors: [['c/o', '403 Forbidden']],
    })
    const anonymous = await fx.server.app.inject({
      method: 'PUT',
      url: url(owner, '/c?extract-archive=tar'),
      headers: { accept: 'application/json' },
      payload: archive,
    })
    expect(anonymous.json()).toMatchObject({
      'Response Status': '401 Unauthorized',
      Errors: [['c/o', '401 Unauthorized']],
    })
    expect((await get(fx, '/c/o')).statusCode).toBe(404)
  })
})
