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
  await nftApply(
    `table ${family} ${name}\ndelete table ${family} ${name}\ntable ${family} ${name} {\n${body}\n}\n`,
    where,
  )
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
