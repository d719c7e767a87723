/** @module core/http/file-stream.test */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises'
import { createServer, get, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FILE_CHUNK, FileStream } from './file-stream.js'

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')

/** A destination that copies each chunk only some time after it got it, then calls back. */
function lateCopier(delayMs: number) {
  const parts: Buffer[] = []
  const sink = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, done) {
      setTimeout(() => {
        parts.push(Buffer.from(chunk))
        done()
      }, delayMs)
    },
  })
  return { sink, data: () => Buffer.concat(parts) }
}

describe('FileStream', () => {
  let dir: string
  let path: string
  let data: Buffer

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'file-stream-'))
    path = join(dir, 'data')
    // More than the chunks one send keeps in flight, and not a whole number of chunks.
    data = randomBytes(5 * FILE_CHUNK + 12345)
    await writeFile(path, data)
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads the whole file or a range, each chunk a buffer of its own', async () => {
    const chunks: Buffer[] = []
    for await (const chunk of await FileStream.open(path)) chunks.push(chunk as Buffer)
    expect(new Set(chunks.map((c) => c.buffer)).size).toBe(chunks.length)
    expect(sha(Buffer.concat(chunks))).toBe(sha(data))
    const part: Buffer[] = []
    const ranged = await FileStream.open(path, { start: 7, end: FILE_CHUNK + 9 })
    expect(ranged.length).toBe(FILE_CHUNK + 3)
    for await (const chunk of ranged) part.push(chunk as Buffer)
    expect(Buffer.concat(part).equals(data.subarray(7, FILE_CHUNK + 10))).toBe(true)
  })

  it('cuts a range past the end of the file and streams an empty file', async () => {
    const tail: Buffer[] = []
    for await (const chunk of await FileStream.open(path, { start: data.length - 3, end: 1e12 })) {
      tail.push(chunk as Buffer)
    }
    expect(Buffer.concat(tail).equals(data.subarray(-3))).toBe(true)
    const empty = join(dir, 'empty')
    await writeFile(empty, '')
    const stream = await FileStream.open(empty)
    const { sink, data: received } = lateCopier(0)
    stream.pipe(sink)
    await finished(sink)
    expect(received().length).toBe(0)
  })

  it('pipes every byte intact to a destination that is slow to release its chunks', async () => {
    const stream = await FileStream.open(path)
    const { sink, data: received } = lateCopier(50)
    stream.pipe(sink)
    await Promise.all([finished(sink), finished(stream)])
    expect(sha(received())).toBe(sha(data))
    // The next send reuses the buffers the first gave back, and stays intact.
    const again = lateCopier(1)
    ;(await FileStream.open(path, { start: 1, end: data.length - 2 })).pipe(again.sink)
    await finished(again.sink)
    expect(sha(again.data())).toBe(sha(data.subarray(1, -1)))
  })

  it('rejects a missing file with ENOENT', async () => {
    await expect(FileStream.open(join(dir, 'nothing'))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('fails when the file shrank after it was opened', async () => {
    const short = join(dir, 'short')
    await writeFile(short, data.subarray(0, 2 * FILE_CHUNK))
    const stream = await FileStream.open(short)
    await truncate(short, 10)
    const { sink } = lateCopier(0)
    stream.pipe(sink)
    await expect(finished(stream)).rejects.toThrow(/ended .* early/)
  })

  describe('over HTTP', () => {
    let server: Server
    let port: number
    const served: FileStream[] = []

    beforeAll(async () => {
      server = createServer((_request, response) => {
        void FileStream.open(path).then((stream) => {
          served.push(stream)
          response.writeHead(200, { 'Content-Length': stream.length })
          stream.pipe(response)
        })
      })
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
      port = (server.address() as AddressInfo).port
    })

    afterAll(async () => {
      await new Promise((done) => server.close(done))
    })

    it('sends the file to several clients at once', async () => {
      const fetchAll = () =>
        new Promise<Buffer>((done, fail) => {
          get({ host: '127.0.0.1', port, path: '/' }, (response) => {
            const chunks: Buffer[] = []
            response.on('data', (chunk: Buffer) => chunks.push(chunk))
            response.on('end', () => done(Buffer.concat(chunks)))
            response.on('error', fail)
          }).on('error', fail)
        })
      const bodies = await Promise.all([fetchAll(), fetchAll(), fetchAll()])
      for (const body of bodies) expect(sha(body)).toBe(sha(data))
    })

    it('stops and closes the file when the client goes away', async () => {
      served.length = 0
      await new Promise<void>((done, fail) => {
        const request = get({ host: '127.0.0.1', port, path: '/' }, (response) => {
          response.once('data', () => {
            request.destroy()
            done()
          })
        })
        request.on('error', () => undefined)
        request.on('close', () => done())
        setTimeout(() => fail(new Error('no data')), 5000)
      })
      const stream = served[0]
      if (!stream) throw new Error('the server opened no file')
      await new Promise<void>((done) => (stream.closed ? done() : stream.once('close', done)))
      expect(stream.destroyed).toBe(true)
    })
  })
})
