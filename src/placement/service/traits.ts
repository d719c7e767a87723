/** @module placement/service/traits: traits, and the traits and aggregates of resource providers */
import { isUniqueViolation } from '../../core/db/index.js'
import { BadRequestError } from '../../core/errors/index.js'
import { bumpGeneration, getProvider as findProvider } from '../db/placement-repo.js'
import {
  deleteTrait as removeTrait,
  insertTraits,
  listTraits as findTraits,
  providerAggregates,
  providerTags,
  providerTraits,
  replaceProviderAggregates,
  replaceProviderTraits,
  traitExists,
  traitsInUse,
} from '../db/traits-repo.js'
import {
  GenerationConflictError,
  ResourceProviderNotFoundError,
  TraitInUseError,
  TraitNotFoundError,
} from '../errors.js'
import { now, type PlacementContext } from './context.js'
import { getProvider } from './providers.js'
import { STANDARD_TRAITS } from './standard-traits.js'

const CUSTOM = /^CUSTOM_[A-Z0-9_]{1,248}$/

/** Adds the standard traits this placement does not know yet (at every start). */
export async function ensureStandardTraits(ctx: PlacementContext): Promise<void> {
  try {
    await insertTraits(ctx.db, STANDARD_TRAITS, now(ctx))
  } catch (error) {
    // Another process starting at the same time inserted some: insert what is still missing.
    if (!isUniqueViolation(error)) throw error
    await insertTraits(ctx.db, STANDARD_TRAITS, now(ctx))
  }
}

/** Traits by `name=in:A,B` or `name=startswith:X`, and `associated` with some provider or not. */
export async function listTraits(
  ctx: PlacementContext,
  filter: { name?: string; associated?: boolean },
): Promise<string[]> {
  let names = await findTraits(ctx.db)
  if (filter.name !== undefined) {
    const m = /^(in|startswith):(.*)$/.exec(filter.name)
    if (!m) {
      throw new BadRequestError(
        `Badly formatted name parameter. Expected name query string parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. Got: "${filter.name}"`,
      )
    }
    const value = m[2] ?? ''
    const wanted = new Set(value.split(','))
    names = names.filter((n) => (m[1] === 'in' ? wanted.has(n) : n.startsWith(value)))
  }
  if (filter.associated !== undefined) {
    const used = await traitsInUse(ctx.db)
    names = names.filter((n) => used.has(n) === filter.associated)
  }
  return names
}

export async function showTrait(ctx: PlacementContext, name: string): Promise<void> {
  if (!(await traitExists(ctx.db, name))) throw new TraitNotFoundError(name)
}

/** Creates a custom trait; false when it existed already. */
export async function createTrait(ctx: PlacementContext, name: string): Promise<boolean> {
  if (!CUSTOM.test(name)) {
    throw new BadRequestError(
      `The trait is invalid. A valid trait must be no longer than 255 characters, start with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" and "_"`,
    )
  }
  return insertTraits(ctx.db, [name], now(ctx))
}

export async function deleteTrait(ctx: PlacementContext, name: string): Promise<void> {
  if (!name.startsWith('CUSTOM_')) {
    throw new BadRequestError(`Cannot delete standard trait ${name}.`)
  }
  await showTrait(ctx, name)
  if ((await traitsInUse(ctx.db)).has(name)) throw new TraitInUseError(name)
  await removeTrait(ctx.db, name)
}

export async function getProviderTraits(ctx: PlacementContext, uuid: string) {
  const provider = await getProvider(ctx, uuid)
  return { generation: provider.generation, traits: await providerTraits(ctx.db, uuid) }
}

/**
 * Replaces a provider's traits (or aggregates) if its generation is still `generation`, which
 * then moves on; with no generation (aggregates before 1.19) it is neither checked nor moved.
 */
async function replaceTagged(
  ctx: PlacementContext,
  uuid: string,
  generation: number | null,
  replace: (tx: Parameters<typeof replaceProviderTraits>[0]) => Promise<void>,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await findProvider(tx, uuid))) throw new ResourceProviderNotFoundError(uuid)
    const bumped =
      generation === null || (await bumpGeneration(tx, uuid, generation, { updatedAt: now(ctx) }))
    if (!bumped) throw new GenerationConflictError('resource provider')
    await replace(tx)
  })
}

export async function setProviderTraits(
  ctx: PlacementContext,
  uuid: string,
  generation: number,
  traits: readonly string[],
) {
  await getProvider(ctx, uuid)
  const known = new Set(await findTraits(ctx.db))
  const unknown = traits.filter((t) => !known.has(t))
  if (unknown.length > 0) throw new BadRequestError(`No such trait(s): ${unknown.join(', ')}`)
  await replaceTagged(ctx, uuid, generation, (tx) => replaceProviderTraits(tx, uuid, traits))
  return getProviderTraits(ctx, uuid)
}

export async function clearProviderTraits(ctx: PlacementContext, uuid: string): Promise<void> {
  const provider = await getProvider(ctx, uuid)
  await replaceTagged(ctx, uuid, provider.generation, (tx) => replaceProviderTraits(tx, uuid, []))
}

export async function getProviderAggregates(ctx: PlacementContext, uuid: string) {
  const provider = await getProvider(ctx, uuid)
  return { generation: provider.generation, aggregates: await providerAggregates(ctx.db, uuid) }
}

/** Replaces a provider's aggregates; without `generation` (before 1.19) there is no check. */
export async function setProviderAggregates(
  ctx: PlacementContext,
  uuid: string,
  generation: number | null,
  aggregates: readonly string[],
) {
  await getProvider(ctx, uuid)
  await replaceTagged(ctx, uuid, generation, (tx) =>
    replaceProviderAggregates(tx, uuid, aggregates),
  )
  return getProviderAggregates(ctx, uuid)
}

/** `required=A,!B` and `member_of=in:x,y` (repeatable, all must hold), as lists and candidates take them. */
export interface TagQuery {
  required?: string | undefined
  memberOf?: readonly string[] | undefined
}

/** A predicate on provider uuids for the query; unknown required traits are a 400. */
export async function providerFilter(
  ctx: PlacementContext,
  q: TagQuery,
): Promise<(uuid: string) => boolean> {
  const required = (q.required ?? '').split(',').filter((t) => t !== '')
  const memberOf = (q.memberOf ?? []).map((m) =>
    (m.startsWith('in:') ? m.slice(3) : m).split(',').filter((a) => a !== ''),
  )
  if (required.length === 0 && memberOf.length === 0) return () => true
  const known = new Set(await findTraits(ctx.db))
  const unknown = required.map((t) => t.replace(/^!/, '')).filter((t) => !known.has(t))
  if (unknown.length > 0) {
    throw new BadRequestError(`No such trait(s): ${unknown.join(', ')}`)
  }
  const tags = await providerTags(ctx.db)
  return (uuid) => {
    const traits = tags.traits.get(uuid) ?? new Set<string>()
    const aggregates = tags.aggregates.get(uuid) ?? new Set<string>()
    const traitsOk = required.every((t) =>
      t.startsWith('!') ? !traits.has(t.slice(1)) : traits.has(t),
    )
    return traitsOk && memberOf.every((any) => any.some((a) => aggregates.has(a)))
  }
}

/** Every provider's traits (for allocation candidates' summaries). */
export async function allProviderTraits(ctx: PlacementContext): Promise<Map<string, Set<string>>> {
  return (await providerTags(ctx.db)).traits
}
