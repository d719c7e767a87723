/** @module test/e2e/object-cli.test: the real swift and openstack CLIs against `nimbus up` */
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanEnv, removeDataDir, startCloud, type Cloud, type CliResult } from './cloud.js'

const swiftBin = '/usr/bin/swift'
const swiftTimeoutMs = 300_000
const MIB = 1024 * 1024
const suffix = randomBytes(3).toString('hex')
const unique = (name: string) => `e2e-${name}-${suffix}`

/** Runs `/usr/bin/swift ARGS` as admin in `cwd`; rejects on a non-zero exit. */
function swift(cloud: Cloud, args: string[], cwd?: string): Promise<string> {
  const env = cleanEnv({
    OS_AUTH_URL: cloud.authUrl,
    OS_USERNAME: 'admin',
    OS_PASSWORD: cloud.adminPassword,
    OS_PROJECT_NAME: 'admin',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne',
    ST_AUTH_VERSION: '3',
  })
  return new Promise((resolveRun, reject) => {
    execFile(
      swiftBin,
      ['--auth-version', '3', ...args],
      { env, cwd, timeout: swiftTimeoutMs, maxBuffer: 16 * MIB, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const result: CliResult = { exitCode: error ? 1 : 0, stdout, stderr }
        if (error) {
          reject(new Error(`swift ${args.join(' ')} failed: ${result.stderr}\n${result.stdout}`))
        } else {
          resolveRun(stdout)
        }
      },
    )
  })
}

/** Writes `bytes` random bytes to `path` and resolves their SHA-256. */
async function randomFile(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256')
  const out = createWriteStream(path)
  const chunk = 8 * MIB
  for (let written = 0; written < bytes; written += chunk) {
    const data = randomBytes(Math.min(chunk, bytes - written))
    hash.update(data)
    if (!out.write(data)) await new Promise<void>((done) => out.once('drain', () => done()))
  }
  await new Promise<void>((done, fail) =>
    out.end((error?: Error | null) => (error ? fail(error) : done())),
  )
  return hash.digest('hex')
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 8 * MIB })) {
    hash.update(chunk as Buffer)
  }
  return hash.digest('hex')
}

/** The account's storage URL as `swift auth` prints it. */
async function storageUrl(cloud: Cloud): Promise<string> {
  const printed = await swift(cloud, ['auth'])
  const match = /OS_STORAGE_URL=(\S+)/.exec(printed)
  expect(match?.[1], `storage URL in: ${printed}`).toBeDefined()
  return (match?.[1] ?? '').replace(/^['"]|['"]$/g, '')
}

describe('object storage through the swift and openstack CLIs', () => {
  let cloud: Cloud
  let work: string

  beforeAll(async () => {
    cloud = await startCloud()
    work = join(cloud.dataDir, 'e2e-objects')
    await mkdir(work, { recursive: true })
  })

  afterAll(async () => {
    if (!cloud) return
    try {
      await cloud.stop()
    } finally {
      await removeDataDir(cloud.dataDir)
    }
  })

  it('uploads a 200 MiB file as SLO and DLO segments and downloads it unchanged', async () => {
    const name = 'big.bin'
    const source = join(work, name)
    const sha256 = await randomFile(source, 200 * MIB)
    try {
      for (const mode of ['slo', 'dlo'] as const) {
        const container = unique(mode)
        const flags = mode === 'slo' ? ['--use-slo'] : []
        await swift(cloud, ['upload', '--segment-size', '10M', ...flags, container, name], work)
        const stat = await swift(cloud, ['stat', container, name])
        expect(stat).toContain(mode === 'slo' ? 'X-Static-Large-Object: True' : 'Manifest:')
        expect(stat).toMatch(/Content Length: 209715200/)
        const saved = join(work, `saved-${mode}.bin`)
        await swift(cloud, ['download', container, name, '-o', saved])
        expect(await sha256Of(saved)).toBe(sha256)
        await rm(saved, { force: true })
        await swift(cloud, ['delete', container])
      }
    } finally {
      await rm(source, { force: true })
    }
  }, 900_000)

  it('lists by prefix, shares a container publicly, signs a temp URL and deletes all', async () => {
    const container = unique('small')
    await writeFile(join(work, 'a-one.txt'), 'first object\n')
    await writeFile(join(work, 'a-two.txt'), 'second object\n')
    await writeFile(join(work, 'b-three.txt'), 'third object\n')
    await swift(cloud, ['upload', container, 'a-one.txt', 'a-two.txt', 'b-three.txt'], work)

    const listed = await swift(cloud, ['list', container, '--prefix', 'a-'])
    expect(listed.trim().split('\n')).toEqual(['a-one.txt', 'a-two.txt'])

    const base = await storageUrl(cloud)
    const before = await fetch(`${base}/${container}/a-one.txt`)
    expect(before.status).toBe(401)
    await swift(cloud, ['post', '-r', '.r:*', container])
    const anonymous = await fetch(`${base}/${container}/a-one.txt`)
    expect(anonymous.status).toBe(200)
    expect(await anonymous.text()).toBe('first object\n')

    const key = randomBytes(12).toString('hex')
    await swift(cloud, ['post', '-m', `Temp-URL-Key:${key}`])
    const path = `${new URL(base).pathname}/${container}/b-three.txt`
    const signed = (await swift(cloud, ['tempurl', 'GET', '600', path, key])).trim()
    expect(signed).toContain('temp_url_sig=')
    const viaTempUrl = await fetch(`${new URL(base).origin}${signed}`)
    expect(viaTempUrl.status).toBe(200)
    expect(await viaTempUrl.text()).toBe('third object\n')
    const tampered = await fetch(`${new URL(base).origin}${signed.replace('b-three', 'a-two')}`)
    expect(tampered.status).toBe(401)

    await swift(cloud, ['delete', '--all'])
    expect((await swift(cloud, ['list'])).trim()).toBe('')
  }, 300_000)

  it('manages containers, objects and account properties with the openstack CLI', async () => {
    const container = unique('osc')
    const created = (await cloud.runJson(['container', 'create', container])) as unknown[]
    expect(created).toEqual([expect.objectContaining({ container })])
    const containers = (await cloud.runJson(['container', 'list'])) as { Name: string }[]
    expect(containers.map((c) => c.Name)).toContain(container)

    const file = join(work, 'osc-object.txt')
    await writeFile(file, 'via openstack\n')
    await cloud.run(['object', 'create', '--name', 'docs/readme.txt', container, file])
    const objects = (await cloud.runJson(['object', 'list', container])) as { Name: string }[]
    expect(objects.map((o) => o.Name)).toEqual(['docs/readme.txt'])
    const saved = join(work, 'osc-saved.txt')
    await cloud.run(['object', 'save', '--file', saved, container, 'docs/readme.txt'])
    expect(await readFile(saved, 'utf8')).toBe('via openstack\n')

    await cloud.run(['object', 'store', 'account', 'set', '--property', 'color=blue'])
    const account = (await cloud.runJson(['object', 'store', 'account', 'show'])) as {
      properties?: Record<string, string> | string
    }
    expect(JSON.stringify(account.properties)).toContain('blue')

    await cloud.run(['object', 'delete', container, 'docs/readme.txt'])
    expect(await cloud.runJson(['object', 'list', container])).toEqual([])
    await cloud.run(['container', 'delete', container])
  }, 300_000)
})
