/** @module image/store/image-store.test: the file and fake stores pass the store conformance suite */
import { mkdtempSync, rmSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createFakeStore } from './fake-store.js'
import { createFileStore } from './file-store.js'
import { describeImageStore } from './image-store.conformance.js'

let dir = ''
describeImageStore(
  'file',
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'nimbus-store-'))
    return createFileStore({ dir })
  },
  async () => rmSync(dir, { recursive: true, force: true }),
)
describeImageStore('fake', async () => createFakeStore())

describe('file store', () => {
  it('removes partial files a previous process left behind when it opens', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'nimbus-store-'))
    try {
      const first = await createFileStore({ dir: folder })
      const failing = new Readable({
        read() {
          this.destroy(new Error('crash'))
        },
      })
      await expect(first.put('a', failing)).rejects.toThrow()
      await createFileStore({ dir: folder })
      expect(await readdir(folder)).toEqual([])
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })
})
