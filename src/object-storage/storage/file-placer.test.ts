/** @module object-storage/storage/file-placer.test: durable placements on the worker thread */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createFilePlacer, type FilePlacer } from './file-placer.js'

describe('file placer', () => {
  let placer: FilePlacer | undefined
  afterEach(async () => {
    await placer?.close()
    placer = undefined
  })

  const scratch = () => {
    const root = mkdtempSync(join(tmpdir(), 'nimbus-placer-'))
    return { root, temp: (name: string) => join(root, name) }
  }

  it('writes the pieces, renames the file into new folders and says it made them', async () => {
    placer = createFilePlacer()
    const { root, temp } = scratch()
    const dir = join(root, 'objects', '7', 'abc')
    const pieces = [Buffer.from('hello '), Buffer.from('world')]
    expect(await placer.place({ temp: temp('t1'), dir, name: '1.data', data: pieces })).toEqual({
      created: true,
    })
    expect(readFileSync(join(dir, '1.data'), 'utf8')).toBe('hello world')
    expect(existsSync(temp('t1'))).toBe(false)
    // The pieces stay the caller's: nothing was moved out of their buffers.
    expect(pieces[0]?.toString()).toBe('hello ')
  })

  it('renames a file already written, into a folder that exists', async () => {
    placer = createFilePlacer()
    const { root, temp } = scratch()
    const dir = join(root, 'd')
    await placer.place({ temp: temp('a'), dir, name: '1.data', data: [Buffer.from('a')] })
    writeFileSync(temp('b'), 'b')
    expect(await placer.place({ temp: temp('b'), dir, name: '2.data' })).toEqual({
      created: false,
    })
    expect(readdirSync(dir).sort()).toEqual(['1.data', '2.data'])
  })

  it('places many files into one new folder at once, one of them making it', async () => {
    placer = createFilePlacer()
    const { root, temp } = scratch()
    const dir = join(root, 'objects', '1', 'same')
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        placer!.place({ temp: temp(`t${i}`), dir, name: `${i}.data`, data: [Buffer.from([i])] }),
      ),
    )
    expect(results.filter((r) => r.created)).toHaveLength(1)
    expect(readdirSync(dir)).toHaveLength(20)
  })

  it('rejects with the file system error and its code, and goes on serving', async () => {
    placer = createFilePlacer()
    const { root, temp } = scratch()
    writeFileSync(join(root, 'file'), 'x')
    const failed = placer.place({
      temp: temp('t'),
      dir: join(root, 'file', 'below'),
      name: '1.data',
      data: [Buffer.from('x')],
    })
    await expect(failed).rejects.toMatchObject({ code: 'ENOTDIR' })
    const missingTemp = placer.place({ temp: temp('never'), dir: join(root, 'ok'), name: '1.data' })
    await expect(missingTemp).rejects.toMatchObject({ code: 'ENOENT' })
    const dir = join(root, 'ok2')
    await placer.place({ temp: temp('t2'), dir, name: '1.data', data: [Buffer.from('y')] })
    expect(readFileSync(join(dir, '1.data'), 'utf8')).toBe('y')
  })

  it('leaves no temporary file when the write fails', async () => {
    placer = createFilePlacer()
    const { root } = scratch()
    const temp = join(root, 'no-such-folder', 't')
    const placing = placer.place({
      temp,
      dir: join(root, 'd'),
      name: '1',
      data: [Buffer.from('z')],
    })
    await expect(placing).rejects.toMatchObject({ code: 'ENOENT' })
    expect(readdirSync(root)).toEqual(['d'])
    expect(readdirSync(join(root, 'd'))).toEqual([])
  })

  it('removes the temporary file it wrote when the rename fails, and keeps one it was given', async () => {
    placer = createFilePlacer()
    const { root, temp } = scratch()
    const dir = join(root, 'd')
    // The final name is taken by a folder: a file cannot be renamed over it.
    mkdirSync(join(dir, '1.data', 'inside'), { recursive: true })
    const written = placer.place({ temp: temp('w'), dir, name: '1.data', data: [Buffer.from('w')] })
    await expect(written).rejects.toMatchObject({ code: 'EISDIR' })
    expect(existsSync(temp('w'))).toBe(false)
    writeFileSync(temp('given'), 'g')
    const given = placer.place({ temp: temp('given'), dir, name: '1.data' })
    await expect(given).rejects.toMatchObject({ code: 'EISDIR' })
    expect(readFileSync(temp('given'), 'utf8')).toBe('g')
  })

  it('rejects placements under way when closed, and starts again on the next one', async () => {
    placer = createFilePlacer()
    placer.start()
    const { root, temp } = scratch()
    const cut = placer.place({ temp: temp('c'), dir: join(root, 'c'), name: '1', data: [] })
    const refused = expect(cut).rejects.toThrow('file placer closed')
    await placer.close()
    await refused
    const dir = join(root, 'd')
    await placer.place({ temp: temp('t'), dir, name: '1', data: [Buffer.from('again')] })
    expect(readFileSync(join(dir, '1'), 'utf8')).toBe('again')
  })
})
