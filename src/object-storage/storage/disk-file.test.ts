/** @module object-storage/storage/disk-file.test: the file and memory stores run the conformance suite */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeDiskFileConformance } from './disk-file.conformance.js'
import { FileDiskFileStore } from './file-disk-file.js'
import { MemoryDiskFileStore } from './memory-disk-file.js'

describeDiskFileConformance(
  'file',
  async () => new FileDiskFileStore(mkdtempSync(join(tmpdir(), 'nimbus-diskfile-'))),
)
describeDiskFileConformance('memory', async () => new MemoryDiskFileStore())
