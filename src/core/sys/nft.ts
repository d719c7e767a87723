/** @module core/sys/nft: nftables rulesets, applied atomically with `nft -f` */
import { exec } from './exec.js'
import type { Where } from './ip-link.js'

const TIMEOUT = { timeoutMs: 15_000 }

function nftArgs(where: Where, args: readonly string[]): [string, string[]] {
  return where.netns ? ['ip', ['netns', 'exec', where.netns, 'nft', ...args]] : ['nft', [...args]]
}

/** Loads a ruleset script (one transaction: all of it applies or none). */
export async function nftApply(script: string, where: Where = {}): Promise<void> {
  const [program, args] = nftArgs(where, ['-f', '-'])
  await exec(program, args, { ...TIMEOUT, input: script })
}

/** The tables, as `family name`. */
export async function nftListTables(where: Where = {}): Promise<string[]> {
  const [program, args] = nftArgs(where, ['list', 'tables'])
  const { stdout } = await exec(program, args, TIMEOUT)
  return stdout
    .split('\n')
    .map((line) => line.replace(/^table\s+/, '').trim())
    .filter((line) => line !== '')
}

/** Replaces table `family name` by `body` in one transaction (the table is created when absent). */
export async function nftReplaceTable(
  family: string,
  name: string,
  body: string,
  where: Where = {},
): Promise<void> {
  await nftApply(replaceScript(family, name, body), where)
}

function replaceScript(family: string, name: string, body: string): string {
  return `table ${family} ${name}\ndelete table ${family} ${name}\ntable ${family} ${name} {\n${body}\n}\n`
}

/** Deletes a table; does nothing when it is absent. */
export async function nftDeleteTable(
  family: string,
  name: string,
  where: Where = {},
): Promise<void> {
  if (!(await nftListTables(where)).includes(`${family} ${name}`)) return
  await nftApply(`delete table ${family} ${name}\n`, where)
}

/**
 * A table's chains in order, each with its rule lines; a base chain's first line is its header
 * (`type filter hook forward priority 0; policy accept`).
 */
export type NftChains = ReadonlyMap<string, readonly string[]>

function isHeader(line: string): boolean {
  return /^type\s+\S+\s+hook\s/.test(line)
}

function headerOf(lines: readonly string[]): string | undefined {
  const first = lines[0]
  return first !== undefined && isHeader(first) ? first : undefined
}

/** The body of a table holding `chains`, as `nft -f` reads it inside `table F N { ... }`. */
export function renderChains(chains: NftChains): string {
  return [...chains]
    .map(([name, lines]) =>
      [`  chain ${name} {`, ...lines.map((line) => `    ${line}`), '  }'].join('\n'),
    )
    .join('\n')
}

/**
 * The transaction that turns table `family name`, holding `applied`, into one holding `wanted`
 * while touching only the chains that differ: new chains are added, changed ones flushed and
 * filled again, gone ones deleted once nothing jumps to them. Empty when nothing differs;
 * undefined when a base chain's header changed (the table must then be replaced).
 */
export function nftTableChanges(
  family: string,
  name: string,
  applied: NftChains,
  wanted: NftChains,
): string | undefined {
  const table = `${family} ${name}`
  const added: string[] = []
  const refilled: string[] = []
  for (const [chain, lines] of wanted) {
    const before = applied.get(chain)
    if (before === undefined) {
      const header = headerOf(lines)
      added.push(`add chain ${table} ${chain}${header ? ` { ${header}; }` : ''}`)
    } else if (headerOf(before) !== headerOf(lines)) {
      return undefined
    } else if (before.length === lines.length && before.every((line, i) => line === lines[i])) {
      continue
    } else {
      refilled.push(`flush chain ${table} ${chain}`)
    }
    for (const line of lines)
      if (!isHeader(line)) refilled.push(`add rule ${table} ${chain} ${line}`)
  }
  const deleted = [...applied.keys()]
    .filter((chain) => !wanted.has(chain))
    .map((chain) => `delete chain ${table} ${chain}`)
  const script = [...added, ...refilled, ...deleted]
  return script.length === 0 ? '' : `${script.join('\n')}\n`
}

/**
 * Keeps table `family name` holding the chains given to each `sync`, one transaction a sync.
 * The first sync (and the one after a failure, or after `forget`) replaces the whole table;
 * later ones change only the chains that differ, so the table is never emptied and rebuilt
 * while packets cross it.
 */
export class NftTableSync {
  private applied: NftChains | undefined

  constructor(
    readonly family: string,
    readonly name: string,
    private readonly where: Where = {},
  ) {}

  async sync(chains: NftChains): Promise<void> {
    await NftTableSync.syncAll([[this, chains]])
  }

  /**
   * Syncs several tables of one namespace in one `nft` run, which is also one transaction:
   * every table changes or none does.
   */
  static async syncAll(syncs: readonly (readonly [NftTableSync, NftChains])[]): Promise<void> {
    const where = syncs[0]?.[0].where ?? {}
    if (syncs.some(([table]) => table.where.netns !== where.netns)) {
      throw new TypeError('tables synced in one nft run must be in one namespace')
    }
    const script = syncs.map(([table, chains]) => table.changesTo(chains)).join('')
    try {
      if (script !== '') await nftApply(script, where)
      for (const [table, chains] of syncs) table.applied = new Map(chains)
    } catch (error) {
      // the tables are not what was last applied (changed or removed from outside): replace them next
      for (const [table] of syncs) table.applied = undefined
      throw error
    }
  }

  /** The commands that turn the table into one holding `chains`: '' when nothing differs. */
  private changesTo(chains: NftChains): string {
    const changes = this.applied
      ? nftTableChanges(this.family, this.name, this.applied, chains)
      : undefined
    return changes ?? replaceScript(this.family, this.name, renderChains(chains))
  }

  /** Makes the next sync replace the whole table (after the table was removed). */
  forget(): void {
    this.applied = undefined
  }
}
