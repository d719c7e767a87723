/** @module test/e2e/image-cli.test: the real openstack CLI against `nimbus up`, image service */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDataDir, startCloud, type Cloud } from './cloud.js'

type Row = Record<string, unknown>

const suffix = randomBytes(3).toString('hex')
const unique = (name: string) => `e2e-${name}-${suffix}`
// Without --file the CLI reads image data from its (never closed) stdin: give it no data.
const NO_DATA = ['--file', '/dev/null']
const GIB = 1024 * 1024 * 1024

function asRow(value: unknown): Row {
  expect(value, 'a JSON object').toBeTypeOf('object')
  return value as Row
}

/** Writes `bytes` random bytes to `path` and resolves their SHA-512. */
async function randomFile(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha512')
  const out = createWriteStream(path)
  const chunk = 8 * 1024 * 1024
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

async function sha512Of(path: string): Promise<string> {
  const hash = createHash('sha512')
  for await (const chunk of createReadStream(path, { highWaterMark: 8 * 1024 * 1024 })) {
    hash.update(chunk as Buffer)
  }
  return hash.digest('hex')
}

function memberEnv(cloud: Cloud, name: string, password: string): Record<string, string> {
  return {
    OS_AUTH_URL: cloud.authUrl,
    OS_AUTH_TYPE: 'password',
    OS_IDENTITY_API_VERSION: '3',
    OS_USERNAME: name,
    OS_PASSWORD: password,
    OS_PROJECT_NAME: name,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne',
  }
}

async function createMember(cloud: Cloud, name: string, password: string): Promise<string> {
  const project = asRow(await cloud.runJson(['project', 'create', '--domain', 'default', name]))
  await cloud.run([
    'user',
    'create',
    '--domain',
    'default',
    '--project',
    name,
    '--password',
    password,
    name,
  ])
  await cloud.run(['role', 'add', '--project', name, '--user', name, 'member'])
  return String(project['id'])
}

describe('images through the openstack CLI', () => {
  let cloud: Cloud

  beforeAll(async () => {
    cloud = await startCloud()
  })

  afterAll(async () => {
    if (!cloud) return
    try {
      await cloud.stop()
    } finally {
      await removeDataDir(cloud.dataDir)
    }
  })

  it('uploads a 1 GiB image and saves it back unchanged', async () => {
    const source = join(cloud.dataDir, 'big.raw')
    const saved = join(cloud.dataDir, 'big-saved.raw')
    const sha512 = await randomFile(source, GIB)
    const name = unique('big')
    await cloud.run([
      'image',
      'create',
      '--file',
      source,
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      name,
    ])
    const shown = asRow(await cloud.runJson(['image', 'show', name]))
    expect(shown).toMatchObject({ status: 'active', size: GIB })
    expect(asRow(shown['properties'])).toMatchObject({
      os_hash_algo: 'sha512',
      os_hash_value: sha512,
    })
    await cloud.run(['image', 'save', '--file', saved, name])
    expect(await sha512Of(saved)).toBe(sha512)
    await cloud.run(['image', 'delete', name])
  }, 600_000)

  it('lists, shows, sets and unsets properties and tags, then deletes', async () => {
    const name = unique('props')
    await cloud.run([
      'image',
      'create',
      ...NO_DATA,
      '--disk-format',
      'qcow2',
      '--container-format',
      'bare',
      name,
    ])
    await cloud.run([
      'image',
      'set',
      '--property',
      'hw_disk_bus=scsi',
      '--tag',
      'blue',
      '--min-ram',
      '256',
      name,
    ])
    const shown = asRow(await cloud.runJson(['image', 'show', name]))
    expect(shown['tags']).toEqual(['blue'])
    expect(shown['min_ram']).toBe(256)
    expect(asRow(shown['properties'])['hw_disk_bus']).toBe('scsi')
    const listed = (await cloud.runJson(['image', 'list'])) as Row[]
    expect(listed.map((row) => row['Name'])).toContain(name)
    await cloud.run(['image', 'unset', '--property', 'hw_disk_bus', '--tag', 'blue', name])
    const unset = asRow(await cloud.runJson(['image', 'show', name]))
    expect(unset['tags']).toEqual([])
    expect(asRow(unset['properties'])['hw_disk_bus']).toBeUndefined()
    await cloud.run(['image', 'delete', name])
    const gone = await cloud.exec(['image', 'show', name])
    expect(gone.exitCode).not.toBe(0)
  })

  it('shares an image with a project that accepts it', async () => {
    const member = unique('member')
    const password = randomBytes(9).toString('hex')
    const memberProject = await createMember(cloud, member, password)
    const name = unique('shared')
    const image = asRow(
      await cloud.runJson([
        'image',
        'create',
        ...NO_DATA,
        '--disk-format',
        'raw',
        '--container-format',
        'bare',
        '--shared',
        name,
      ]),
    )
    const id = String(image['id'])
    await cloud.run(['image', 'add', 'project', id, memberProject])
    const env = memberEnv(cloud, member, password)
    const before = await cloud.exec(['image', 'list', '-f', 'json'], { useCloudsYaml: false, env })
    expect(before.exitCode, before.stderr).toBe(0)
    expect((JSON.parse(before.stdout) as Row[]).map((row) => row['ID'])).not.toContain(id)
    const accept = await cloud.exec(['image', 'set', '--accept', id], { useCloudsYaml: false, env })
    expect(accept.exitCode, accept.stderr).toBe(0)
    const after = await cloud.exec(['image', 'list', '-f', 'json'], { useCloudsYaml: false, env })
    expect((JSON.parse(after.stdout) as Row[]).map((row) => row['ID'])).toContain(id)
    const publicAttempt = await cloud.exec(
      [
        'image',
        'create',
        ...NO_DATA,
        '--disk-format',
        'raw',
        '--container-format',
        'bare',
        '--public',
        unique('pub'),
      ],
      { useCloudsYaml: false, env },
    )
    expect(publicAttempt.exitCode).not.toBe(0)
    expect(publicAttempt.stderr).toMatch(/403|publicize/i)
  })

  it('deactivates and reactivates, and refuses to delete a protected image', async () => {
    const name = unique('guarded')
    const source = join(cloud.dataDir, 'small.raw')
    await randomFile(source, 4096)
    await cloud.run([
      'image',
      'create',
      '--file',
      source,
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      '--protected',
      name,
    ])
    await cloud.run(['image', 'set', '--deactivate', name])
    expect(asRow(await cloud.runJson(['image', 'show', name]))['status']).toBe('deactivated')
    await cloud.run(['image', 'set', '--activate', name])
    expect(asRow(await cloud.runJson(['image', 'show', name]))['status']).toBe('active')
    const refused = await cloud.exec(['image', 'delete', name])
    expect(refused.exitCode).not.toBe(0)
    await cloud.run(['image', 'set', '--unprotected', name])
    await cloud.run(['image', 'delete', name])
  })
})
