/** @module object-storage/test/object-durability.test: SIGKILL during 1,000 concurrent PUTs loses no acknowledged object */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { exec } from '../../core/sys/exec.js'
import { owner } from './object-storage-fixture.js'

const root = resolve(import.meta.dirname, '..', '..', '..')
const childScript = join(import.meta.dirname, 'object-storage-child.ts')
const PUTS = 1000
const KILL_AFTER = 250

let dataDir: string
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'nimbus-durability-'))
})
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true })
}, 60_000)

/** Runs the object storage unit in a child process; `kill()` sends SIGKILL. */
async function startChild(name: string): Promise<{ base: string; kill(): Promise<void> }> {
  const ready = join(dataDir, `${name}.port`)
  const abort = new AbortController()
  const done = exec(process.execPath, ['--import', 'tsx', childScript, dataDir, ready, '3', '3'], {
    cwd: root,
    signal: abort.signal,
    timeoutMs: 120_000,
  }).catch((error: unknown) => error)
  const deadline = Date.now() + 30_000
  while (!existsSync(ready)) {
    if (Date.now() > deadline) throw new Error(`child did not start: ${String(await done)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  const port = readFileSync(ready, 'utf8')
  return {
    base: `http://127.0.0.1:${port}/object-storage/v1/AUTH_${owner.projectId}`,
    async kill() {
      abort.abort()
      await done
    },
  }
}

const headers = { 'x-auth-token': owner.token }

describe('object durability', () => {
  it('every object acknowledged with 201 before a SIGKILL reads back intact after a restart', async () => {
    const first = await startChild('first')
    expect((await fetch(`${first.base}/c`, { method: 'PUT', headers })).status).toBe(201)
    const bodies = Array.from({ length: PUTS }, (_, i) => randomBytes(1024 + (i % 7) * 1000))
    const acknowledged = new Map<number, string>()
    let killing: Promise<void> | undefined
    await Promise.all(
      bodies.map(async (body, i) => {
        try {
          const res = await fetch(`${first.base}/c/o-${i}`, {
            method: 'PUT',
            headers: { ...headers, 'content-type': 'application/octet-stream' },
            body,
          })
          if (res.status === 201) acknowledged.set(i, res.headers.get('etag') ?? '')
          if (acknowledged.size >= KILL_AFTER) killing ??= first.kill()
        } catch {
          // the process died with this request in flight
        }
      }),
    )
    await (killing ?? first.kill())
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER)
    expect(acknowledged.size).toBeLessThan(PUTS)

    const second = await startChild('second')
    try {
      let lostOrTorn = 0
      let unacknowledgedPresent = 0
      for (let i = 0; i < PUTS; i++) {
        const body = bodies[i] as Buffer
        const md5 = createHash('md5').update(body).digest('hex')
        const res = await fetch(`${second.base}/c/o-${i}`, { headers })
        const got = Buffer.from(await res.arrayBuffer())
        const etag = acknowledged.get(i)
        if (etag !== undefined) {
          expect(etag).toBe(md5)
          if (res.status !== 200 || !got.equals(body) || res.headers.get('etag') !== md5)
            lostOrTorn += 1
        } else if (res.status === 200) {
          // Written but not acknowledged before the kill: it must still be whole.
          expect(got.equals(body)).toBe(true)
          unacknowledgedPresent += 1
        } else {
          expect(res.status).toBe(404)
        }
      }
      expect(lostOrTorn).toBe(0)
      process.stdout.write(
        `durability: ${acknowledged.size} of ${PUTS} PUTs acknowledged before SIGKILL, all intact; ${unacknowledgedPresent} unacknowledged ones also whole\n`,
      )
    } finally {
      await second.kill()
    }
  }, 90_000)
})
