/** @module core/sys/young-generation.test: the new space stops growing at the cap; passed buffers go */
import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const MIB = 1024 * 1024
const here = dirname(fileURLToPath(import.meta.url))

// A fresh process (its new space starts at its smallest) allocating short-lived objects, a part
// of which survive a scavenge or two, then printing the largest new space it saw.
const CHURN = `
import { getHeapSpaceStatistics } from 'node:v8'
import { setImmediate as turn } from 'node:timers/promises'
const { capYoungGeneration } = await import(${JSON.stringify(join(here, 'young-generation.ts'))})
const cap = Number(process.argv[1])
if (cap > 0) capYoungGeneration(cap)
const size = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size
let largest = size()
let keep = []
const end = Date.now() + 1500
while (Date.now() < end) {
  for (let i = 0; i < 20000; i++) {
    keep.push({ n: i, s: 'item ' + i })
    if (keep.length > 20000) keep = []
  }
  largest = Math.max(largest, size())
  await turn()
}
console.log(largest)
`

function largestNewSpace(cap: number): Promise<number> {
  return run(CHURN, String(cap))
}

// A fresh process handing on 64 KiB buffers outside the heap, as a socket's reads of an upload
// are, each dropped after use; it prints the most such memory it held at once.
const PASS_ON = `
import { setImmediate as turn } from 'node:timers/promises'
const { releasePassedBuffers } = await import(${JSON.stringify(join(here, 'young-generation.ts'))})
const release = process.argv[1] === 'release'
let most = 0
for (let i = 0; i < 1600; i++) {
  const piece = Buffer.allocUnsafeSlow(64 * 1024).fill(i)
  if (release) releasePassedBuffers(piece.length)
  most = Math.max(most, process.memoryUsage().arrayBuffers)
  await turn()
}
console.log(most)
`

function run(script: string, arg: string): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, arg],
      (error, stdout) => (error ? reject(error) : resolve(Number(stdout.trim()))),
    ),
  )
}

describe('releasePassedBuffers', () => {
  it('frees dead buffers every few MiB instead of at the external-memory limit', async () => {
    const [released, kept] = await Promise.all([run(PASS_ON, 'release'), run(PASS_ON, 'keep')])
    expect(released).toBeLessThan(16 * MIB)
    expect(kept).toBeGreaterThan(24 * MIB)
  })
})

describe('capYoungGeneration', () => {
  it('keeps the new space at the cap where it would grow past it', async () => {
    const [capped, free] = await Promise.all([largestNewSpace(4 * MIB), largestNewSpace(0)])
    // One doubling may land before the check that follows a collection.
    expect(capped).toBeLessThanOrEqual(8 * MIB)
    expect(free).toBeGreaterThan(8 * MIB)
  })
})
