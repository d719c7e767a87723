/** @module network/agents/owned-objects: the kernel objects one agent made, kept on disk so it cleans up only its own (several clouds may share a host) */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

/** A persisted set of names (bridges, devices, namespaces) an agent created. */
export interface OwnedObjects {
  has(name: string): boolean
  list(): string[]
  /** Records names and writes the file (before the objects are made, so a crash leaks nothing). */
  add(...names: string[]): Promise<void>
  /** Forgets names and writes the file (after the objects are gone). */
  remove(...names: string[]): Promise<void>
}

/** Loads the set kept in `file` (empty when absent). */
export async function loadOwnedObjects(file: string): Promise<OwnedObjects> {
  const text = await readFile(file, 'utf8').catch(() => '[]')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = []
  }
  const names = new Set(
    Array.isArray(parsed) ? parsed.filter((n): n is string => typeof n === 'string') : [],
  )
  const save = async () => {
    await mkdir(dirname(file), { recursive: true })
    await writeFile(`${file}.tmp`, JSON.stringify([...names].sort()))
    await rename(`${file}.tmp`, file)
  }
  return {
    has: (name) => names.has(name),
    list: () => [...names].sort(),
    async add(...added) {
      if (added.every((n) => names.has(n))) return
      for (const n of added) names.add(n)
      await save()
    },
    async remove(...removed) {
      if (!removed.some((n) => names.has(n))) return
      for (const n of removed) names.delete(n)
      await save()
    },
  }
}
