/** @module object-storage/ring/ring-command: `nimbus object-storage ring create|add|set-weight|remove|rebalance|show` */
import {
  addDevice,
  createBuilder,
  describeRing,
  loadBuilder,
  loadRingData,
  rebalanceBuilder,
  removeDevice,
  RingBuildError,
  ringFiles,
  saveBuilder,
  setWeight,
} from './ring-builder.js'

/** Where a ring command writes. */
export interface RingCommandIo {
  out: (text: string) => void
  err: (text: string) => void
  /** The configured data dir, used when `--data-dir` is not given. */
  defaultDataDir: () => string
}

export const RING_USAGE = [
  'Usage: nimbus object-storage ring <command> [--data-dir DIR] [options]',
  '',
  '  create --part-power N --replicas N        start a ring builder (keeps the hash suffix of an existing ring)',
  '  add --name NAME --zone N --weight W [--path DIR]',
  '                                            add a device (folder defaults to object-storage/devices/NAME)',
  '  set-weight --name NAME --weight W         change a device weight (0 drains it)',
  '  remove --name NAME                        take a device out of the ring',
  '  rebalance                                 assign partitions and write the ring the service reads',
  '  show                                      print the devices and their share of partitions',
  '',
  'A running service reads the rebuilt ring when it restarts.',
].join('\n')

const OPTIONS: Record<string, readonly string[]> = {
  create: ['part-power', 'replicas'],
  add: ['name', 'zone', 'weight', 'path'],
  'set-weight': ['name', 'weight'],
  remove: ['name'],
  rebalance: [],
  show: [],
}

class RingUsageError extends RingBuildError {}

function parseOptions(command: string, argv: readonly string[]): Map<string, string> {
  const allowed = new Set([...(OPTIONS[command] ?? []), 'data-dir'])
  const options = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (!arg.startsWith('--')) throw new RingUsageError(`unexpected argument '${arg}'`)
    const eq = arg.indexOf('=')
    const name = (eq < 0 ? arg : arg.slice(0, eq)).slice(2)
    let value = eq < 0 ? undefined : arg.slice(eq + 1)
    if (value === undefined) {
      value = argv[i + 1]
      if (value === undefined || value.startsWith('--'))
        throw new RingUsageError(`option --${name} needs a value`)
      i++
    }
    if (!allowed.has(name)) throw new RingUsageError(`'ring ${command}' has no option --${name}`)
    options.set(name, value)
  }
  return options
}

function required(options: Map<string, string>, name: string): string {
  const value = options.get(name)
  if (value === undefined) throw new RingUsageError(`option --${name} is required`)
  return value
}

function numberOption(options: Map<string, string>, name: string): number {
  const text = required(options, name)
  const value = text.trim() === '' ? Number.NaN : Number(text)
  if (Number.isNaN(value)) throw new RingBuildError(`--${name} must be a number, not '${text}'`)
  return value
}

async function run(command: string, argv: readonly string[], io: RingCommandIo): Promise<void> {
  if (!(command in OPTIONS)) throw new RingUsageError(`unknown ring command '${command}'`)
  const options = parseOptions(command, argv)
  const dataDir = options.get('data-dir') ?? io.defaultDataDir()
  if (command === 'create') {
    const builder = createBuilder(dataDir, {
      partPower: numberOption(options, 'part-power'),
      replicas: numberOption(options, 'replicas'),
    })
    await saveBuilder(dataDir, builder)
    io.out(`Created ${ringFiles(dataDir).builder}: ${describeRing(builder, undefined)}`)
    return
  }
  const builder = loadBuilder(dataDir)
  if (command === 'show') {
    io.out(describeRing(builder, loadRingData(dataDir)))
    return
  }
  if (command === 'rebalance') {
    const { ring, moved } = await rebalanceBuilder(dataDir, builder)
    io.out(
      `Wrote ${ringFiles(dataDir).ring}: ${moved} partition replicas assigned anew\n${describeRing(builder, ring)}`,
    )
    return
  }
  const name = required(options, 'name')
  const next =
    command === 'add'
      ? addDevice(dataDir, builder, {
          name,
          zone: numberOption(options, 'zone'),
          weight: numberOption(options, 'weight'),
          ...(options.has('path') ? { path: required(options, 'path') } : {}),
        })
      : command === 'set-weight'
        ? setWeight(builder, name, numberOption(options, 'weight'))
        : removeDevice(builder, name)
  await saveBuilder(dataDir, next)
  io.out(`${describeRing(next, loadRingData(dataDir))}Run 'rebalance' to write the ring.\n`)
}

/** Runs a ring command; resolves to the exit status (0 ok, 2 bad input, 1 failure). */
export async function ringCommand(argv: readonly string[], io: RingCommandIo): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === 'help' || command === '--help') {
    io.out(`${RING_USAGE}\n`)
    return command === undefined ? 2 : 0
  }
  try {
    await run(command, rest, io)
    return 0
  } catch (error) {
    if (error instanceof RingUsageError) {
      io.err(`nimbus object-storage ring: ${error.message}\n\n${RING_USAGE}\n`)
      return 2
    }
    if (error instanceof RingBuildError) {
      io.err(`nimbus object-storage ring ${command}: ${error.message}\n`)
      return 2
    }
    io.err(
      `nimbus object-storage ring ${command} failed: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    return 1
  }
}
