/** @module object-storage/test/object-storage-child: the object storage unit alone in a process, for crash tests */
import { writeFile, rename } from 'node:fs/promises'
import { startFixture } from './object-storage-fixture.js'

// argv: <data dir> <ready file> <replicas> <devices>
const [dataDir, readyFile, replicas = '3', devices = '3'] = process.argv.slice(2)
if (!dataDir || !readyFile) {
  process.stderr.write('usage: object-storage-child.ts DATA_DIR READY_FILE [REPLICAS DEVICES]\n')
  process.exit(2)
}
const fixture = await startFixture(
  { replicas: Number(replicas), devices: Number(devices) },
  { dataDir },
)
await fixture.server.app.listen({ host: '127.0.0.1', port: 0 })
const address = fixture.server.app.server.address()
const port = typeof address === 'object' && address ? address.port : 0
await writeFile(`${readyFile}.tmp`, String(port))
await rename(`${readyFile}.tmp`, readyFile)
