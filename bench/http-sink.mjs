// The large-object bench's upload ceiling: a bare node:http server that reads every request body
// and drops it, with no hashing, writing or logging. curl's upload to it is what a single
// upload over loopback into one Node.js process can reach on this machine.
// usage: forked with IPC by bench/object-storage.ts; sends {url}, answers {cmd: 'close'}
import { createServer } from 'node:http'

const server = createServer((req, res) => {
  let bytes = 0
  req.on('data', (chunk) => (bytes += chunk.length))
  req.on('end', () => {
    res.writeHead(201, { 'content-length': 0, 'x-received-bytes': String(bytes) })
    res.end()
  })
})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  process.send?.({ url: `http://127.0.0.1:${port}` })
})
process.on('message', (message) => {
  if (message.cmd === 'close') server.close(() => process.disconnect())
})
