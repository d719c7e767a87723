/** @module test/e2e/cloud: runs `nimbus up` as a child process and the real openstack CLI */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { nftDeleteTable } from '../../src/core/sys/nft.js'
import { tableNames } from '../../src/network/agents/l2/security-rules.js'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const nimbusBin = join(repoRoot, 'bin', 'nimbus.js')
const openstackBin = '/usr/bin/openstack'
const readyLine = /^Nimbus is ready: (http:\/\/\S+\/v3)\s*$/m
const readyTimeoutMs = 30_000
const stopTimeoutMs = 5_000
const cliTimeoutMs = 60_000
const keptOutputChars = 16_000

/** What one `openstack` invocation did. */
export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Options for {@link Cloud.exec}. */
export interface ExecOptions {
  /** Extra environment for the CLI, applied last. */
  env?: Record<string, string>
  /** Whether to point the CLI at the cloud's clouds.yaml as cloud `nimbus` (default true). */
  useCloudsYaml?: boolean
}

/** How a stopped cloud ended. */
export interface CloudExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** Milliseconds from SIGTERM to exit. */
  elapsedMs: number
}

/** A running all-in-one Nimbus and the CLI pointed at it. */
export interface Cloud {
  /** Identity v3 URL from the ready line, ending in `/v3`. */
  authUrl: string
  dataDir: string
  adminPassword: string
  port: number
  pid: number
  /** Runs `/usr/bin/openstack ARGS` as admin; resolves to stdout, rejects on a non-zero exit. */
  run(args: string[], env?: Record<string, string>): Promise<string>
  /** Like {@link Cloud.run} with `-f json` appended, parsed. */
  runJson(args: string[], env?: Record<string, string>): Promise<unknown>
  /** Runs the CLI and resolves whatever its exit status. */
  exec(args: string[], options?: ExecOptions): Promise<CliResult>
  /** Sends SIGTERM; rejects if the process has not exited within 5 s (it is then killed). */
  stop(): Promise<CloudExit>
  /** The server's stdout and stderr so far (the last 16 000 characters of each). */
  output(): { stdout: string; stderr: string }
}

/** Options for {@link startCloud}. */
export interface StartOptions {
  /** Reuse a data directory (a restart); a new temporary one by default. */
  dataDir?: string
  /** Listen on this port; a free one by default. */
  port?: number
  adminPassword?: string
  region?: string
}

/** Finds a TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolvePort(port))
    })
  })
}

/** Creates an empty temporary data directory. */
export async function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'nimbus-e2e-'))
}

/** Removes a data directory made by {@link makeDataDir}. */
export async function removeDataDir(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true })
}

/** A host name of its own for a cloud whose L2 agent runs on this machine's network. */
export function testHostName(prefix: string): string {
  return `${prefix}${randomBytes(3).toString('hex')}`
}

/**
 * Removes the security group tables of a test cloud's host: the L2 agent keeps them across its
 * restarts by design, and the test's host name is gone with the cloud.
 */
export async function removeAgentTables(hostName: string): Promise<void> {
  const tables = tableNames(hostName)
  await nftDeleteTable('inet', tables.filter)
  await nftDeleteTable('bridge', tables.spoof)
}

/** The environment without any OS_* variable from the developer's shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OS_')) env[key] = value
  }
  return { ...env, ...extra }
}

function keepTail(text: string): string {
  return text.length > keptOutputChars ? text.slice(-keptOutputChars) : text
}

/** Runs one command without a shell and resolves its exit status and output. */
export function runCommand(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<CliResult> {
  return new Promise((resolveRun) => {
    execFile(
      file,
      args,
      { env, timeout: cliTimeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        let exitCode = 0
        if (error) exitCode = typeof error.code === 'number' ? error.code : 1
        resolveRun({ exitCode, stdout, stderr })
      },
    )
  })
}

function waitForReady(child: ChildProcess, read: () => { stdout: string; stderr: string }) {
  return new Promise<string>((resolveReady, reject) => {
    const describe = (why: string) => {
      const { stdout, stderr } = read()
      return new Error(`${why}\n--- nimbus stderr ---\n${stderr}\n--- nimbus stdout ---\n${stdout}`)
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(describe(`nimbus printed no ready line within ${readyTimeoutMs / 1000} s`))
    }, readyTimeoutMs)
    const onData = () => {
      const match = readyLine.exec(read().stdout)
      if (match?.[1]) {
        cleanup()
        resolveReady(match[1])
      }
    }
    const onExit = (code: number | null, signal: string | null) => {
      cleanup()
      reject(describe(`nimbus exited before it was ready (code ${code}, signal ${signal})`))
    }
    const cleanup = () => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.off('exit', onExit)
    }
    child.stdout?.on('data', onData)
    child.once('exit', onExit)
  })
}

/** Starts `node bin/nimbus.js up` and resolves once it printed its ready line. */
export async function startCloud(options: StartOptions = {}): Promise<Cloud> {
  const dataDir = options.dataDir ?? (await makeDataDir())
  const port = options.port ?? (await freePort())
  const adminPassword = options.adminPassword ?? randomBytes(12).toString('hex')
  const args = [
    nimbusBin,
    'up',
    '--data-dir',
    dataDir,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--admin-password',
    adminPassword,
    '--region',
    options.region ?? 'RegionOne',
    // clouds started side by side must not share the metadata API's default port 8775
    '--metadata-port',
    String(await freePort()),
  ]
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout = keepTail(stdout + chunk)
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = keepTail(stderr + chunk)
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }))
  })
  const read = () => ({ stdout, stderr })

  let authUrl: string
  try {
    authUrl = await waitForReady(child, read)
  } catch (error) {
    child.kill('SIGKILL')
    await exited
    if (options.dataDir === undefined) await removeDataDir(dataDir)
    throw error
  }

  const exec = (cliArgs: string[], execOptions: ExecOptions = {}): Promise<CliResult> => {
    const cloudEnv: Record<string, string> =
      execOptions.useCloudsYaml === false
        ? {}
        : { OS_CLIENT_CONFIG_FILE: join(dataDir, 'clouds.yaml'), OS_CLOUD: 'nimbus' }
    return runCommand(openstackBin, cliArgs, cleanEnv({ ...cloudEnv, ...execOptions.env }))
  }

  const run = async (cliArgs: string[], env?: Record<string, string>): Promise<string> => {
    const result = await exec(cliArgs, env ? { env } : {})
    if (result.exitCode !== 0) {
      throw new Error(
        `openstack ${cliArgs.join(' ')} exited with ${result.exitCode}\n` +
          `stderr: ${result.stderr}\nstdout: ${result.stdout}`,
      )
    }
    return result.stdout
  }

  const runJson = async (cliArgs: string[], env?: Record<string, string>): Promise<unknown> => {
    const text = await run([...cliArgs, '-f', 'json'], env)
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new Error(`openstack ${cliArgs.join(' ')} -f json printed no JSON: ${text}`)
    }
  }

  const stop = async (): Promise<CloudExit> => {
    const started = Date.now()
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((done) => {
      timer = setTimeout(() => done('timeout'), stopTimeoutMs)
    })
    const outcome = await Promise.race([exited, timeout])
    clearTimeout(timer)
    if (outcome === 'timeout') {
      child.kill('SIGKILL')
      await exited
      throw new Error(
        `nimbus did not exit within ${stopTimeoutMs / 1000} s of SIGTERM\n` +
          `--- nimbus stderr ---\n${stderr}`,
      )
    }
    return { ...outcome, elapsedMs: Date.now() - started }
  }

  return {
    authUrl,
    dataDir,
    adminPassword,
    port,
    pid: child.pid ?? -1,
    run,
    runJson,
    exec,
    stop,
    output: read,
  }
}
