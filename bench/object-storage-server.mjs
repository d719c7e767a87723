// The object storage bench's server process: the built code (dist/, as `npm run build` makes it
// and `nimbus up` runs it) with no TypeScript loader, so its RSS and CPU are the production
// figures. bench/object-storage.ts starts it and drives it over IPC.
// usage: node bench/object-storage-server.mjs DIST_DIR DATA_DIR REPLICAS TOKEN
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [distDir = '', dataDir = '', replicasArg = '1', token = ''] = process.argv.slice(2)
const replicas = Number(replicasArg)
const MIB = 1024 * 1024

const load = (path) => import(pathToFileURL(join(distDir, path)).href)
const [
  { createObjectStorageUnit },
  { defaultObjectStorageConfig },
  http,
  log,
  clock,
  errors,
  threadPolicy,
  youngGeneration,
] = await Promise.all([
  load('object-storage/object-storage-unit.js'),
  load('object-storage/config.js'),
  load('core/http/index.js'),
  load('core/log/index.js'),
  load('core/clock/index.js'),
  load('core/errors/index.js'),
  load('core/sys/thread-policy.js'),
  load('core/sys/young-generation.js'),
])

const identity = {
  userId: 'bench',
  userName: 'bench',
  userDomainId: 'default',
  userDomainName: 'Default',
  projectId: 'bench',
  projectName: 'bench',
  roles: ['member'],
  roleIds: ['member'],
  auditIds: ['bench'],
  expiresAt: '2999-01-01T00:00:00Z',
  issuedAt: '2026-01-01T00:00:00Z',
  methods: ['password'],
}

const tokens = {
  async validate(given) {
    if (given !== token) throw new errors.UnauthorizedError()
    return identity
  },
}

// The access log as `nimbus up` writes it: one JSON line per request, at info, to a file.
const logger = log.createLogger({ level: 'info', file: join(dataDir, 'log', 'nimbus.log') })
const unit = await createObjectStorageUnit({
  dataDir,
  config: defaultObjectStorageConfig({ replicas, devices: Math.max(replicas, 1) }),
  logger,
  clock: clock.systemClock,
  tokens,
  daemons: false,
})
const server = http.createHttpServer({ logger })
for (const mount of unit.mounts) await http.mountService(server.app, mount)
const address = await server.app.listen({ host: '127.0.0.1', port: 0 })
// As `nimbus up` does once its services run.
await threadPolicy.batchScheduleHelperThreads()
youngGeneration.capYoungGeneration()

// The largest resident set of this process's own image. getrusage's maxRSS would not do: Linux
// carries the forking parent's resident set across exec into it.
const peakRssMib = () =>
  Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024

// CPU time of the event loop's own thread (its id is the pid): user plus system, in ms. The
// thread that serves every request is what bounds the rate when it is busier than the cores are.
const TICKS_PER_SECOND = 100
const loopCpuMs = () => {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
}

process.on('message', (message) => {
  if (message.cmd === 'rss') {
    const cpu = process.cpuUsage()
    process.send?.({
      rssMib: process.memoryUsage().rss / MIB,
      cpuMs: (cpu.user + cpu.system) / 1000,
      loopCpuMs: loopCpuMs(),
      maxRssMib: peakRssMib(),
    })
  }
  if (message.cmd === 'close') {
    void server.app
      .close()
      .then(() => unit.close())
      .finally(() => process.disconnect())
  }
})
process.send?.({ url: String(address) })
