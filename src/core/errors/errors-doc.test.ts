/** @module core/errors/errors-doc.test: docs/errors.md lists every error class in src, and only those */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const DOC = join(ROOT, 'docs', 'errors.md')

/** A module as the doc names it: `identity/errors` for `src/identity/errors.ts`. */
function moduleName(path: string): string {
  return path
    .trim()
    .replace(/^`|`$/g, '')
    .replace(/^\.?\/?src\//, '')
    .replace(/\.ts$/, '')
}

/** Product source files: tests and test fixtures declare no product errors. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'test' ? [] : sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : []
  })
}

/** `Class module` for every class named `...Error` or extending one. */
function classesInSource(): Set<string> {
  const found = new Set<string>()
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/\bclass\s+(\w+)(?:<[^>{]*>)?(?:\s+extends\s+([\w.]+))?/g)) {
      const [, name = '', base = ''] = match
      if (name.endsWith('Error') || base.endsWith('Error'))
        found.add(`${name} ${moduleName(relative(ROOT, file).split(sep).join('/'))}`)
    }
  }
  return found
}

/** `Class module` for every row `| Class | status | module |` of the doc. */
function classesInDoc(): { rows: Set<string>; bad: string[] } {
  const rows = new Set<string>()
  const bad: string[] = []
  for (const line of readFileSync(DOC, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim())
    if (cells.length !== 5 || cells[0] !== '' || cells[4] !== '') continue
    const [, name = '', status = '', module = ''] = cells
    const className = name.replace(/^`|`$/g, '')
    if (!/^\w+$/.test(className) || className === 'class' || /^-+$/.test(className)) continue
    if (!/^(\d{3}(\/\d{3})*|-|any)$/.test(status)) bad.push(`${line} (status: NNN, any or -)`)
    rows.add(`${className} ${moduleName(module)}`)
  }
  return { rows, bad }
}

describe('docs/errors.md', () => {
  it('lists every error class declared in src, with its module', () => {
    const documented = classesInDoc().rows
    const missing = [...classesInSource()].filter((c) => !documented.has(c)).sort()
    expect(missing, 'add a row `| Class | status | module |` for each').toEqual([])
  })

  it('names no class that no longer exists where it says', () => {
    const declared = classesInSource()
    const stale = [...classesInDoc().rows].filter((c) => !declared.has(c)).sort()
    expect(stale, 'remove or correct these rows').toEqual([])
  })

  it('gives each class an HTTP status, or - for errors that never reach a client', () => {
    expect(classesInDoc().bad).toEqual([])
  })

  it('finds the classes it checks', () => {
    const declared = classesInSource()
    expect(declared.has('CloudError core/errors/cloud-error')).toBe(true)
    expect(declared.has('IdentityNotFoundError identity/errors')).toBe(true)
  })
})
