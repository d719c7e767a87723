/** @module block-storage/service/transfers: giving a volume (and its snapshots) to another project */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { listSnapshots, updateSnapshot } from '../db/snapshots-repo.js'
import {
  createTransfer as insertTransfer,
  deleteTransferRow,
  getTransfer,
  listTransfers,
  type Transfer,
} from '../db/transfers-repo.js'
import { getType } from '../db/types-repo.js'
import { getVolume, updateVolume } from '../db/volumes-repo.js'
import {
  InvalidAuthKeyError,
  InvalidInputError,
  InvalidVolumeError,
  TransferNotFoundError,
} from '../errors.js'
import { timestamp, type BlockStorageContext, type Caller } from './context.js'
import { checkQuota } from './quotas.js'
import { assertStatus, visibleVolume } from './volume-access.js'

export type { Transfer }

/** A transfer as created: the auth key is shown this once and never stored. */
export interface CreatedTransfer extends Transfer {
  authKey: string
}

const AWAITING = 'awaiting-transfer'

function hashKey(salt: string, key: string): string {
  return createHash('sha256').update(`${salt}${key}`).digest('hex')
}

/** Offers a volume for transfer: it must be available (its snapshots too, unless left behind). */
export async function createTransfer(
  ctx: BlockStorageContext,
  caller: Caller,
  input: { volumeId: string; name?: string | null; noSnapshots?: boolean },
): Promise<CreatedTransfer> {
  const v = await visibleVolume(ctx, caller, input.volumeId)
  assertStatus(v, ['available'], 'be transferred')
  const noSnapshots = input.noSnapshots ?? false
  if (!noSnapshots) {
    const busy = (await listSnapshots(ctx.db, { volumeId: v.id })).filter(
      (s) => s.status !== 'available',
    )
    if (busy.length > 0)
      throw new InvalidVolumeError(
        `Volume ${v.id} has snapshots that are not available: ${busy.map((s) => s.id).join(', ')}.`,
      )
  }
  const authKey = randomBytes(8).toString('hex')
  const salt = randomBytes(8).toString('hex')
  const now = timestamp(ctx)
  const transfer: Transfer = {
    id: ctx.ids.uuid(),
    volumeId: v.id,
    projectId: v.projectId,
    name: input.name ?? null,
    salt,
    cryptHash: hashKey(salt, authKey),
    noSnapshots,
    createdAt: now,
    updatedAt: null,
  }
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await updateVolume(tx, v.id, { status: AWAITING, updatedAt: now }, ['available'])))
      throw new InvalidVolumeError(`Volume ${v.id} changed status; it must be available.`)
    await insertTransfer(tx, transfer)
  })
  return { ...transfer, authKey }
}

/** A transfer of the caller's project (any for an admin); 404 otherwise. */
export async function visibleTransfer(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
): Promise<Transfer> {
  const t = await getTransfer(ctx.db, id)
  if (!t || (!caller.isAdmin && t.projectId !== caller.projectId))
    throw new TransferNotFoundError(id)
  return t
}

/** The caller's project's pending transfers; every project's for an admin asking all_tenants. */
export async function listVisibleTransfers(
  ctx: BlockStorageContext,
  caller: Caller,
  q: { allTenants?: boolean; name?: string; volumeId?: string },
): Promise<Transfer[]> {
  const all = caller.isAdmin && q.allTenants
  let items = await listTransfers(ctx.db, all ? {} : { projectId: caller.projectId })
  if (q.name !== undefined) items = items.filter((t) => t.name === q.name)
  if (q.volumeId !== undefined) items = items.filter((t) => t.volumeId === q.volumeId)
  return items
}

/** Withdraws an offer: the volume is available to its project again. */
export async function deleteTransfer(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
): Promise<void> {
  const t = await visibleTransfer(ctx, caller, id)
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await deleteTransferRow(tx, t.id))) throw new TransferNotFoundError(id)
    await updateVolume(tx, t.volumeId, { status: 'available', updatedAt: timestamp(ctx) }, [
      AWAITING,
    ])
  })
}

/**
 * Takes a volume offered to anyone holding the auth key into the caller's project, with its
 * snapshots unless the offer left them behind. The receiving project's quotas must hold it; the
 * giving project's usage drops with the move, as usage is counted from the records.
 */
export async function acceptTransfer(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
  authKey: string,
): Promise<Transfer> {
  const t = await getTransfer(ctx.db, id)
  if (!t) throw new TransferNotFoundError(id)
  if (authKey === '') throw new InvalidInputError('auth_key must be given.')
  const given = Buffer.from(hashKey(t.salt, authKey), 'hex')
  const stored = Buffer.from(t.cryptHash, 'hex')
  if (given.length !== stored.length || !timingSafeEqual(given, stored))
    throw new InvalidAuthKeyError(id)
  const v = await getVolume(ctx.db, t.volumeId)
  if (!v) throw new TransferNotFoundError(id)
  if (v.status !== AWAITING)
    throw new InvalidVolumeError(`Volume ${v.id} status must be ${AWAITING}, but is ${v.status}.`)
  const snapshots = t.noSnapshots ? [] : await listSnapshots(ctx.db, { volumeId: v.id })
  const typeName = (await getType(ctx.db, v.volumeTypeId))?.name
  const scope = typeName ? { typeName } : {}
  await checkQuota(ctx, caller.projectId, { volumes: 1, gigabytes: v.size, ...scope })
  if (snapshots.length > 0)
    await checkQuota(ctx, caller.projectId, {
      snapshots: snapshots.length,
      gigabytes: v.size + snapshots.reduce((n, s) => n + s.size, 0),
      ...scope,
    })
  const now = timestamp(ctx)
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await deleteTransferRow(tx, t.id))) throw new TransferNotFoundError(id)
    const owner = { projectId: caller.projectId, userId: caller.userId, updatedAt: now }
    if (!(await updateVolume(tx, v.id, { ...owner, status: 'available' }, [AWAITING])))
      throw new InvalidVolumeError(`Volume ${v.id} changed status while being transferred.`)
    for (const s of snapshots) await updateSnapshot(tx, s.id, owner)
  })
  ctx.logger.info(
    { volume: v.id, from: t.projectId, to: caller.projectId, snapshots: snapshots.length },
    'volume transferred',
  )
  return t
}
