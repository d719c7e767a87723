/** @module cli/main: `nimbus up | identity rotate-keys | object-storage ring ... | help` */
import { BusConnectionError } from '../core/bus/index.js'
import { ConfigError, envName } from '../core/config/index.js'
import { startAllInOne } from '../deploy/all-in-one.js'
import { batchScheduleHelperThreads } from '../core/sys/thread-policy.js'
import { capYoungGeneration } from '../core/sys/young-generation.js'
import { startComputeRole } from '../deploy/compute-role.js'
import { loadNimbusConfig, nimbusConfigSpec, type NimbusConfig } from '../deploy/config.js'
import { openKeyRepository } from '../identity/tokens/key-repository.js'
import { tokenKeyDir } from '../identity/identity-unit.js'
import { ringCommand } from '../object-storage/ring/ring-command.js'
import { imageCommand } from '../compute/images/image-command.js'
import { optionsHelp, parseArgs, UsageError } from './args.js'

const STOP_DEADLINE_MS = 5_000

function usage(): string {
  return [
    'Usage: nimbus <command> [options]',
    '',
    'Commands:',
    '  up                     run the cloud (or one node role, --role) in the foreground',
    '  identity rotate-keys   rotate the token keys in the data dir',
    '  object-storage ring    build the object storage ring (object-storage ring help)',
    '  image build tiny       build the tiny guest image from Debian packages (image help)',
    '  help                   show this text',
    '',
    'Options (each also NIMBUS_<NAME> in the environment, e.g. ' + envName('data_dir') + '):',
    optionsHelp(nimbusConfigSpec),
  ].join('\n')
}

/** What `up` reports and stops, whichever role it started. */
interface StartedNode {
  readyLine: string
  stop(): Promise<void>
}

async function startRole(config: Readonly<NimbusConfig>): Promise<StartedNode> {
  if (config.role === 'network' || config.role === 'storage') {
    throw new ConfigError(
      `role ${config.role} is not available yet: its agents run in the controller (use --role controller or all)`,
    )
  }
  if (config.role === 'compute') {
    const node = await startComputeRole(config)
    process.stdout.write(`Logs: ${node.logFile}\n`)
    return {
      readyLine: `Nimbus compute node is ready: hosts ${node.hosts.join(', ')}, controller ${node.controllerUrl}`,
      stop: () => node.stop(),
    }
  }
  const cloud = await startAllInOne(config)
  if (cloud.generatedPassword)
    process.stdout.write(
      `Generated admin password: ${cloud.adminPassword} (kept in ${config.dataDir}/admin-password)\n`,
    )
  process.stdout.write(
    `Client config: ${cloud.files.cloudsYaml} (OS_CLOUD=nimbus) and ${cloud.files.openrc}\n`,
  )
  process.stdout.write(`Logs: ${cloud.files.log}\n`)
  return { readyLine: `Nimbus is ready: ${cloud.authUrl}`, stop: () => cloud.stop() }
}

async function up(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, nimbusConfigSpec)
  const config = loadNimbusConfig({
    ...(args.configFile ? { configFile: args.configFile } : {}),
    env: process.env,
    flags: args.flags,
  })
  const started = Date.now()
  const node = await startRole(config)
  process.stdout.write(`Started in ${Date.now() - started} ms\n`)
  process.stdout.write(`${node.readyLine}\n`)
  // Process tuning for serving load; the two `chrt` runs need not delay the ready line.
  capYoungGeneration()
  void batchScheduleHelperThreads()
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    process.stdout.write(`Stopping (${signal})...\n`)
    const deadline = setTimeout(() => {
      process.stderr.write('Stop took longer than 5 s; exiting anyway.\n')
      process.exit(1)
    }, STOP_DEADLINE_MS)
    deadline.unref()
    node.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Error while stopping: ${String(error)}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

function rotateKeys(argv: readonly string[]): void {
  const args = parseArgs(argv, nimbusConfigSpec)
  const config = loadNimbusConfig({
    ...(args.configFile ? { configFile: args.configFile } : {}),
    env: process.env,
    flags: args.flags,
  })
  const repo = openKeyRepository(tokenKeyDir(config.dataDir), config.identity.maxActiveKeys)
  repo.rotate()
  process.stdout.write(
    `Rotated the token keys in ${tokenKeyDir(config.dataDir)}; running processes pick them up within 5 s.\n`,
  )
}

/** Runs a command line; exits the process with a message on bad input. */
export async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv
  try {
    if (command === 'up') return await up(rest)
    if (command === 'identity' && rest[0] === 'rotate-keys') return rotateKeys(rest.slice(1))
    if (command === 'object-storage' && rest[0] === 'ring') {
      const io = {
        out: (text: string) => void process.stdout.write(text),
        err: (text: string) => void process.stderr.write(text),
        defaultDataDir: () => loadNimbusConfig({ env: process.env, flags: new Map() }).dataDir,
      }
      process.exitCode = await ringCommand(rest.slice(1), io)
      return
    }
    if (command === 'image') {
      const io = {
        out: (text: string) => void process.stdout.write(text),
        err: (text: string) => void process.stderr.write(text),
        defaultDataDir: () => loadNimbusConfig({ env: process.env, flags: new Map() }).dataDir,
      }
      process.exitCode = await imageCommand(rest, io)
      return
    }
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(`${usage()}\n`)
      return
    }
    throw new UsageError(`unknown command '${argv.join(' ')}'`)
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`nimbus: ${error.message}\n\n${usage()}\n`)
      process.exit(2)
    }
    // An unreachable broker is an operator's problem, not a bug: no stack trace.
    const detail =
      error instanceof BusConnectionError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error)
    process.stderr.write(`nimbus: failed to start: ${detail}\n`)
    process.exit(1)
  }
}
