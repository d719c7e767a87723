/** @module bench/image-bare-server: a bare node:http server streaming one folder's files, as a ceiling */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'

/** Read size, the same as the file store's, so only the framework differs. */
const READ_CHUNK = 4 * 1024 * 1024

/**
 * Serves `GET /<name>` from the folder given as the first argument, with Content-Length and no
 * framework, auth or database: what Node itself reaches on this machine. Prints its port.
 */
function main(): void {
  const dir = process.argv[2]
  if (!dir) throw new Error('usage: image-bare-server.ts DIR')
  const server = createServer((request, response) => {
    const name = (request.url ?? '/').slice(1)
    if (!/^[A-Za-z0-9_-]+$/.test(name)) {
      response.writeHead(404).end()
      return
    }
    const path = join(dir, name)
    stat(path).then(
      (info) => {
        response.writeHead(200, {
          'Content-Length': info.size,
          'Content-Type': 'application/octet-stream',
        })
        createReadStream(path, { highWaterMark: READ_CHUNK }).pipe(response)
      },
      () => response.writeHead(404).end(),
    )
  })
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    console.log(typeof address === 'object' && address ? address.port : 0)
  })
  process.once('SIGTERM', () => server.close())
}

main()
