/** @module deploy/all-in-one: every unit in one process on one listener (the default deployment) */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { injectDispatcher } from '../clients/http-dispatcher.js'
import { passwordTokenSource } from '../clients/service-token.js'
import { systemClock } from '../core/clock/index.js'
import { parseDatabaseUrl } from '../core/db/index.js'
import { createHttpServer, mountService } from '../core/http/index.js'
import { randomIds } from '../core/ids/index.js'
import { createLogger } from '../core/log/index.js'
import { loadPolicyOverrides } from '../core/policy/index.js'
import { createIdentityUnit } from '../identity/identity-unit.js'
import { resolveAdminPassword } from './admin-password.js'
import { writeClientConfig } from './client-config.js'
import type { NimbusConfig } from './config.js'
import { openMessageBus } from './message-bus.js'
import { withMetadataSecret } from './metadata-secret.js'
import { serviceUnitFactories, type ServiceUnit, type UnitEnv } from './service-units.js'
import { serviceUserPasswords } from './service-users.js'

/** A running cloud. */
export interface RunningCloud {
  authUrl: string
  adminPassword: string
  generatedPassword: boolean
  files: { cloudsYaml: string; openrc: string; log: string }
  /** Stops accepting requests, closes every unit and the databases. */
  stop(): Promise<void>
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/** Starts the all-in-one cloud and resolves once it answers requests. */
export async function startAllInOne(given: Readonly<NimbusConfig>): Promise<RunningCloud> {
  mkdirSync(given.dataDir, { recursive: true, mode: 0o700 })
  const config = withMetadataSecret(given)
  const logFile = join(config.dataDir, 'log', 'nimbus.log')
  const logger = createLogger({ level: config.logLevel, file: logFile })
  const { password, generated } = resolveAdminPassword(config.dataDir, config.adminPassword)
  const policyOverrides = config.policyFile
    ? await loadPolicyOverrides(config.policyFile)
    : undefined
  const server = createHttpServer({ logger })
  const identity = await createIdentityUnit({
    dataDir: config.dataDir,
    database: parseDatabaseUrl(config.database, config.dataDir),
    config: config.identity,
    region: config.region,
    adminPassword: password,
    logger,
    clock: systemClock,
    ids: randomIds,
    ...(policyOverrides ? { policyOverrides } : {}),
  })
  for (const mount of identity.mounts) await mountService(server.app, mount)
  const bus = await openMessageBus(config, logger)
  const dispatch = injectDispatcher(server.app)
  const env: UnitEnv = {
    config,
    database: parseDatabaseUrl(config.database, config.dataDir),
    logger,
    clock: systemClock,
    ids: randomIds,
    tokens: identity.tokens,
    ...(policyOverrides ? { policyOverrides } : {}),
    bus,
    dispatch,
    serviceToken: (name) =>
      passwordTokenSource(dispatch, () => ({
        username: name,
        password: serviceUserPasswords(config.dataDir, [name])[name] ?? '',
        projectName: 'service',
      })),
  }
  const units: ServiceUnit[] = []
  for (const factory of serviceUnitFactories) {
    const unit = await factory(env)
    units.push(unit)
    for (const mount of unit.mounts) await mountService(server.app, mount)
  }
  await server.app.listen({ host: config.host, port: config.port })
  const address = server.app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const base = `http://${urlHost(config.publicHost)}:${port}`
  const authUrl = `${base}/v3`
  await identity.register({
    type: 'identity',
    name: 'keystone',
    description: 'Identity',
    url: authUrl,
  })
  for (const entry of units.flatMap((u) => u.catalog)) {
    await identity.register({
      type: entry.type,
      name: entry.name,
      description: entry.description,
      url: `${base}${entry.path}`,
    })
  }
  const passwords = serviceUserPasswords(
    config.dataDir,
    units.map((u) => u.name),
  )
  for (const [name, pw] of Object.entries(passwords)) await identity.ensureServiceUser(name, pw)
  for (const unit of units) await unit.start?.()
  const files = writeClientConfig(config.dataDir, {
    authUrl,
    username: 'admin',
    password,
    projectName: 'admin',
    region: config.region,
  })
  server.setReady(true)
  logger.info({ authUrl, dataDir: config.dataDir }, 'ready')
  return {
    authUrl,
    adminPassword: password,
    generatedPassword: generated,
    files: { ...files, log: logFile },
    async stop() {
      server.setReady(false)
      await server.app.close()
      for (const unit of units.reverse()) await unit.close()
      await bus.close()
      await identity.close()
      logger.flush()
    },
  }
}
