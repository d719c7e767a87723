import { describe, expect, it } from 'vitest'
import { commandLine, exec, ExecError } from './exec.js'

describe('exec', () => {
  it('returns what the program printed', async () => {
    const result = await exec('sh', ['-c', 'echo out; echo err >&2'])
    expect(result).toEqual({ code: 0, stdout: 'out\n', stderr: 'err\n' })
  })

  it('feeds standard input', async () => {
    const result = await exec('cat', [], { input: 'hello' })
    expect(result.stdout).toBe('hello')
  })

  it('names the command line and the stderr tail when the program fails', async () => {
    const error = await exec('sh', ['-c', 'echo broken disk >&2; exit 3']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ExecError)
    const failure = error as ExecError
    expect(failure.code).toBe(3)
    expect(failure.message).toBe(
      "sh -c 'echo broken disk >&2; exit 3': exited with status 3: broken disk",
    )
  })

  it('accepts the exit codes it is told are fine', async () => {
    const result = await exec('sh', ['-c', 'exit 1'], { okCodes: [0, 1] })
    expect(result.code).toBe(1)
  })

  it('kills a program that runs past its timeout', async () => {
    const error = await exec('sleep', ['5'], { timeoutMs: 50 }).catch((e: unknown) => e)
    expect((error as ExecError).message).toBe('sleep 5: timed out after 50 ms')
  })

  it('kills a program when aborted', async () => {
    const controller = new AbortController()
    const running = exec('sleep', ['5'], { signal: controller.signal })
    controller.abort()
    await expect(running).rejects.toThrow('sleep 5: aborted')
  })

  it('says when a program cannot start', async () => {
    await expect(exec('/nonexistent/program', [])).rejects.toThrow(
      /^\/nonexistent\/program: could not start/,
    )
  })

  it('quotes words a shell would split', () => {
    expect(commandLine('ip', ['addr', 'add', '10.0.0.1/24'])).toBe('ip addr add 10.0.0.1/24')
    expect(commandLine('sh', ["it's here"])).toBe(`sh 'it'\\''s here'`)
  })
})
