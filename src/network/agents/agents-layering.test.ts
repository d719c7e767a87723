import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const DIR = fileURLToPath(new URL('.', import.meta.url))

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'test' ? [] : files(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

describe('network agents', () => {
  it('hold no database credentials: nothing under agents/ imports db/ or service/', () => {
    const offending = files(DIR).filter((file) =>
      /from\s+'[^']*\/(db|service)\/[^']*'/.test(readFileSync(file, 'utf8')),
    )
    expect(offending).toEqual([])
  })

  it('spawn nothing themselves: programs run through core/sys', () => {
    const offending = files(DIR).filter((file) =>
      /from\s+'(node:)?child_process'/.test(readFileSync(file, 'utf8')),
    )
    expect(offending).toEqual([])
  })
})
