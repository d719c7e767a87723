/** @module block-storage/service/qos-specs: QoS specs and their association with volume types */
import { isUniqueViolation } from '../../core/db/index.js'
import {
  createQosSpecs as insertQosSpecs,
  deleteQosSpecsRow,
  getQosSpecs,
  getQosSpecsByName,
  listQosSpecs,
  setTypeQosSpecs,
  typesOfQosSpecs,
  updateQosSpecs,
  type QosSpecs,
} from '../db/qos-repo.js'
import { getType } from '../db/types-repo.js'
import {
  InvalidInputError,
  InvalidVolumeTypeError,
  QosSpecsExistsError,
  QosSpecsInUseError,
  QosSpecsKeyNotFoundError,
  QosSpecsNotFoundError,
  VolumeTypeNotFoundError,
} from '../errors.js'
import { timestamp, type BlockStorageContext } from './context.js'

export type { QosSpecs }

/** Where the limits are enforced: by the hypervisor, the backend, or both. */
export const QOS_CONSUMERS = ['front-end', 'back-end', 'both'] as const

function checkConsumer(value: string): string {
  if (!(QOS_CONSUMERS as readonly string[]).includes(value))
    throw new InvalidInputError(
      `Consumer ${value} is not valid; it must be one of ${QOS_CONSUMERS.join(', ')}.`,
    )
  return value
}

export async function qosSpecsById(ctx: BlockStorageContext, id: string): Promise<QosSpecs> {
  const q = await getQosSpecs(ctx.db, id)
  if (!q) throw new QosSpecsNotFoundError(id)
  return q
}

export async function listAllQosSpecs(ctx: BlockStorageContext): Promise<QosSpecs[]> {
  return listQosSpecs(ctx.db)
}

export async function createQosSpecs(
  ctx: BlockStorageContext,
  input: { name: string; consumer?: string; specs: Record<string, string> },
): Promise<QosSpecs> {
  const name = input.name.trim()
  if (name === '' || name.length > 255)
    throw new InvalidInputError('QoS specs name must be 1 to 255 characters long.')
  if (await getQosSpecsByName(ctx.db, name)) throw new QosSpecsExistsError(name)
  const q: QosSpecs = {
    id: ctx.ids.uuid(),
    name,
    consumer: checkConsumer(input.consumer ?? 'back-end'),
    specs: input.specs,
    createdAt: timestamp(ctx),
    updatedAt: null,
  }
  try {
    await insertQosSpecs(ctx.db, q)
  } catch (error) {
    if (isUniqueViolation(error)) throw new QosSpecsExistsError(name)
    throw error
  }
  return q
}

/** Sets keys (`consumer` changes the consumer); answers what was set. */
export async function setQosKeys(
  ctx: BlockStorageContext,
  id: string,
  given: Record<string, string>,
): Promise<Record<string, string>> {
  const q = await qosSpecsById(ctx, id)
  const specs = { ...given }
  const consumer = specs['consumer']
  delete specs['consumer']
  await updateQosSpecs(ctx.db, id, {
    ...(consumer !== undefined ? { consumer: checkConsumer(consumer) } : {}),
    specs: { ...q.specs, ...specs },
    updatedAt: timestamp(ctx),
  })
  return given
}

export async function unsetQosKeys(
  ctx: BlockStorageContext,
  id: string,
  keys: string[],
): Promise<void> {
  const q = await qosSpecsById(ctx, id)
  const specs = { ...q.specs }
  for (const key of keys) {
    if (!(key in specs)) throw new QosSpecsKeyNotFoundError(id, key)
    delete specs[key]
  }
  await updateQosSpecs(ctx.db, id, { specs, updatedAt: timestamp(ctx) })
}

/** Deletes QoS specs; refused while types use them unless `force` (which disassociates). */
export async function deleteQosSpecs(
  ctx: BlockStorageContext,
  id: string,
  force: boolean,
): Promise<void> {
  await qosSpecsById(ctx, id)
  if (!force && (await typesOfQosSpecs(ctx.db, id)).length > 0) throw new QosSpecsInUseError(id)
  await ctx.db.transaction().execute((tx) => deleteQosSpecsRow(tx, id))
}

export async function qosAssociations(
  ctx: BlockStorageContext,
  id: string,
): Promise<{ id: string; name: string }[]> {
  await qosSpecsById(ctx, id)
  return typesOfQosSpecs(ctx.db, id)
}

async function typeOf(ctx: BlockStorageContext, typeId: string | undefined) {
  if (!typeId) throw new InvalidInputError('vol_type_id must be given.')
  const type = await getType(ctx.db, typeId)
  if (!type) throw new VolumeTypeNotFoundError(typeId)
  return type
}

/** Associates a volume type; a type takes one QoS specs at a time. */
export async function associateQosSpecs(
  ctx: BlockStorageContext,
  id: string,
  typeId: string | undefined,
): Promise<void> {
  await qosSpecsById(ctx, id)
  const type = await typeOf(ctx, typeId)
  if (type.qosSpecsId === id) return
  if (type.qosSpecsId !== null || !(await setTypeQosSpecs(ctx.db, type.id, id, null)))
    throw new InvalidVolumeTypeError(
      `Type ${type.id} is already associated with another qos specs: ${type.qosSpecsId ?? 'another'}.`,
    )
}

export async function disassociateQosSpecs(
  ctx: BlockStorageContext,
  id: string,
  typeId: string | undefined,
): Promise<void> {
  await qosSpecsById(ctx, id)
  const type = await typeOf(ctx, typeId)
  await setTypeQosSpecs(ctx.db, type.id, null, id)
}

export async function disassociateAllQosSpecs(ctx: BlockStorageContext, id: string): Promise<void> {
  await qosSpecsById(ctx, id)
  for (const type of await typesOfQosSpecs(ctx.db, id))
    await setTypeQosSpecs(ctx.db, type.id, null, id)
}
