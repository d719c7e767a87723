import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { exec } from './exec.js'
import { runChild } from './spawner.js'

describe('spawner', () => {
  it('starts programs from its own process, not from this one', async () => {
    const { stdout } = await exec('sh', ['-c', 'echo $PPID'])
    const parent = Number(stdout.trim())
    expect(parent).toBeGreaterThan(0)
    expect(parent).not.toBe(process.pid)
    // the same helper serves every run
    expect(Number((await exec('sh', ['-c', 'echo $PPID'])).stdout.trim())).toBe(parent)
  })

  it('runs programs side by side and matches each outcome to its run', async () => {
    const runs = Array.from({ length: 20 }, (_, i) =>
      exec('sh', ['-c', `sleep 0.0${i % 5}; echo ${i}`]),
    )
    const outputs = (await Promise.all(runs)).map((r) => r.stdout.trim())
    expect(outputs).toEqual(Array.from({ length: 20 }, (_, i) => String(i)))
  })

  it('appends both output streams to a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nimbus-spawner-'))
    try {
      const file = join(dir, 'out.log')
      await exec('sh', ['-c', 'echo one; echo two >&2'], { outputFile: file })
      await exec('sh', ['-c', 'echo three'], { outputFile: file })
      expect(await readFile(file, 'utf8')).toBe('one\ntwo\nthree\n')
      await expect(
        exec('true', [], { outputFile: join(dir, 'missing', 'out.log') }),
      ).rejects.toThrow(/could not start \(cannot open/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('says when a program cannot be started and keeps binary input intact', async () => {
    await expect(exec('/nonexistent/program', [])).rejects.toThrow(/could not start/)
    const bytes = Buffer.from([0, 1, 2, 255, 10])
    const { stdout } = await exec('od', ['-An', '-tu1'], { input: bytes })
    expect(stdout.trim().split(/\s+/)).toEqual(['0', '1', '2', '255', '10'])
  })

  it('kills a run it is asked to', async () => {
    const child = runChild({ program: 'sleep', args: ['5'], cwd: '/', maxOutputBytes: 1024 })
    child.kill()
    const outcome = await child.done
    expect(outcome).toMatchObject({ kind: 'exited', code: null, signal: 'SIGKILL' })
  })
})
