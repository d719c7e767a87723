/** @module core/sys/process-table.test: finding, checking and ending processes by pid */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { superviseProcess } from './supervised-process.js'
import {
  pidsWithArgument,
  processesMatching,
  processRuns,
  readPidFile,
  signalProcess,
  waitForExit,
} from './process-table.js'

describe('process table', () => {
  it('reads a pid file and ignores a missing or garbled one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pt-'))
    await writeFile(join(dir, 'a.pid'), '1234\n')
    await writeFile(join(dir, 'b.pid'), 'nope')
    expect(await readPidFile(join(dir, 'a.pid'))).toBe(1234)
    expect(await readPidFile(join(dir, 'b.pid'))).toBeUndefined()
    expect(await readPidFile(join(dir, 'c.pid'))).toBeUndefined()
    await rm(dir, { recursive: true })
  })

  it('tells a running process by its marker and sees it end after a signal', async () => {
    const marker = `marker-${process.pid}-${Date.now()}`
    const sleeper = superviseProcess({ program: 'sh', args: ['-c', `sleep 30 # ${marker}`] })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const pid = sleeper.pid ?? 0
    expect(await processRuns(pid, marker)).toBe(true)
    expect(await processRuns(pid, 'some-other-marker')).toBe(false)
    expect(signalProcess(pid, 'SIGKILL')).toBe(true)
    expect(await waitForExit(pid, marker, 2000)).toBe(true)
    await sleeper.stop()
  })

  it('finds processes by one exact argument', async () => {
    const marker = `arg-${process.pid}-${Date.now()}`
    const sleeper = superviseProcess({ program: 'sh', args: ['-c', 'sleep 30', marker] })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await pidsWithArgument(marker)).toEqual([sleeper.pid])
    expect(await pidsWithArgument(marker.slice(0, -1))).toEqual([])
    await sleeper.stop()
    expect(await pidsWithArgument(marker)).toEqual([])
  })

  it('finds running processes by their whole argument list', async () => {
    const marker = `match-${process.pid}-${Date.now()}`
    const sleeper = superviseProcess({ program: 'sh', args: ['-c', 'sleep 30', marker] })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const found = await processesMatching((argv) => argv.at(-1) === marker)
    expect(found).toEqual([{ pid: sleeper.pid, argv: ['sh', '-c', 'sleep 30', marker] }])
    await sleeper.stop()
    expect(await processesMatching((argv) => argv.at(-1) === marker)).toEqual([])
  })
})
