/** @module object-storage/test/object-storage-fixture: the proxy and storage servers over HTTP */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AuthIdentity, TokenValidator } from '../../core/auth/index.js'
import { systemClock } from '../../core/clock/index.js'
import { UnauthorizedError } from '../../core/errors/index.js'
import { createHttpServer, mountService, type HttpServer } from '../../core/http/index.js'
import { silentLogger } from '../../core/log/index.js'
import { defaultObjectStorageConfig, type ObjectStorageConfig } from '../config.js'
import { createObjectStorageUnit, type ObjectStorageUnit } from '../object-storage-unit.js'

/** A caller the fake token validator knows. */
export interface TestCaller {
  token: string
  projectId: string
  roles: string[]
}

export const owner: TestCaller = { token: 'owner-token', projectId: 'p1', roles: ['member'] }
export const other: TestCaller = { token: 'other-token', projectId: 'p2', roles: ['member'] }

function identityOf(caller: TestCaller): AuthIdentity {
  return {
    userId: `u-${caller.projectId}`,
    userName: `user-${caller.projectId}`,
    userDomainId: 'default',
    userDomainName: 'Default',
    projectId: caller.projectId,
    projectName: caller.projectId,
    roles: caller.roles,
    roleIds: caller.roles,
    auditIds: ['a'],
    expiresAt: '2999-01-01T00:00:00Z',
    issuedAt: '2026-01-01T00:00:00Z',
    methods: ['password'],
  }
}

const tokens: TokenValidator = {
  async validate(token) {
    const caller = [owner, other].find((c) => c.token === token)
    if (!caller) throw new UnauthorizedError()
    return identityOf(caller)
  },
}

/** A running object storage on a throwaway data dir. */
export interface Fixture {
  server: HttpServer
  unit: ObjectStorageUnit
  dataDir: string
  close(): Promise<void>
}

/** Where a fixture keeps its data: a throwaway dir by default, or a given one kept on close. */
export interface FixtureOptions {
  dataDir?: string
}

export async function startFixture(
  config: Partial<ObjectStorageConfig> = {},
  options: FixtureOptions = {},
): Promise<Fixture> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'nimbus-objects-'))
  const unit = await createObjectStorageUnit({
    dataDir,
    config: defaultObjectStorageConfig({ partPower: 4, ...config }),
    logger: silentLogger(),
    clock: systemClock,
    tokens,
    daemons: false,
  })
  const server = createHttpServer({ logger: silentLogger() })
  for (const mount of unit.mounts) await mountService(server.app, mount)
  return {
    server,
    unit,
    dataDir,
    async close() {
      await server.app.close()
      await unit.close()
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** `/object-storage/v1/AUTH_<project>[/rest]`. */
export function url(caller: TestCaller, rest = ''): string {
  return `/object-storage/v1/AUTH_${caller.projectId}${rest}`
}
