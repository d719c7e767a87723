/** @module image/db/images-repo: images and their tags */
import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool } from 'kysely'
import { fromBool, parseJsonColumn, toBool } from '../../core/db/index.js'
import type { ImageDatabase, ImageTable } from './schema.js'

type Db = Kysely<ImageDatabase>
type Eb = ExpressionBuilder<ImageDatabase, 'image'>

/** An image as the service layer sees it. */
export interface Image {
  id: string
  name: string | null
  status: string
  visibility: string
  size: number | null
  virtualSize: number | null
  checksum: string | null
  osHashAlgo: string | null
  osHashValue: string | null
  diskFormat: string | null
  containerFormat: string | null
  minDisk: number
  minRam: number
  protected: boolean
  osHidden: boolean
  owner: string | null
  properties: Record<string, string>
  tags: string[]
  store: string | null
  location: string | null
  createdAt: string
  updatedAt: string
}

/** The columns an update may change. */
export type ImageChanges = Partial<Omit<Image, 'id' | 'tags' | 'createdAt'>>

function num(value: number | string | null): number | null {
  return value === null ? null : Number(value)
}

function fromRow(row: Selectable<ImageTable>, tags: string[]): Image {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    visibility: row.visibility,
    size: num(row.size),
    virtualSize: num(row.virtual_size),
    checksum: row.checksum,
    osHashAlgo: row.os_hash_algo,
    osHashValue: row.os_hash_value,
    diskFormat: row.disk_format,
    containerFormat: row.container_format,
    minDisk: Number(row.min_disk),
    minRam: Number(row.min_ram),
    protected: toBool(row.protected),
    osHidden: toBool(row.os_hidden),
    owner: row.owner,
    properties: parseJsonColumn<Record<string, string>>(row.properties, {}),
    tags,
    store: row.store,
    location: row.location,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toColumns(changes: ImageChanges): Partial<ImageTable> {
  const out: Partial<ImageTable> = {}
  const set = <K extends keyof ImageTable>(key: K, value: ImageTable[K] | undefined) => {
    if (value !== undefined) out[key] = value
  }
  set('name', changes.name)
  set('status', changes.status)
  set('visibility', changes.visibility)
  set('size', changes.size)
  set('virtual_size', changes.virtualSize)
  set('checksum', changes.checksum)
  set('os_hash_algo', changes.osHashAlgo)
  set('os_hash_value', changes.osHashValue)
  set('disk_format', changes.diskFormat)
  set('container_format', changes.containerFormat)
  set('min_disk', changes.minDisk)
  set('min_ram', changes.minRam)
  if (changes.protected !== undefined) out.protected = fromBool(changes.protected)
  if (changes.osHidden !== undefined) out.os_hidden = fromBool(changes.osHidden)
  set('owner', changes.owner)
  if (changes.properties !== undefined) out.properties = JSON.stringify(changes.properties)
  set('store', changes.store)
  set('location', changes.location)
  set('updated_at', changes.updatedAt)
  return out
}

async function tagsOf(db: Db, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('image_tag')
      .select(['image_id', 'value'])
      .where('image_id', 'in', ids.slice(i, i + 500))
      .orderBy('value')
      .execute()
    for (const row of rows) out.set(row.image_id, [...(out.get(row.image_id) ?? []), row.value])
  }
  return out
}

/** The image with `id`; deleted images only with `includeDeleted`. */
export async function getImage(
  db: Db,
  id: string,
  options: { includeDeleted?: boolean } = {},
): Promise<Image | undefined> {
  let query = db.selectFrom('image').selectAll().where('id', '=', id)
  if (!options.includeDeleted) query = query.where('deleted', '=', 0)
  const row = await query.executeTakeFirst()
  if (!row) return undefined
  return fromRow(row, (await tagsOf(db, [id])).get(id) ?? [])
}

/** Inserts a new image with its tags. */
export async function createImage(db: Db, image: Image): Promise<void> {
  await db
    .insertInto('image')
    .values({
      id: image.id,
      name: image.name,
      status: image.status,
      visibility: image.visibility,
      size: image.size,
      virtual_size: image.virtualSize,
      checksum: image.checksum,
      os_hash_algo: image.osHashAlgo,
      os_hash_value: image.osHashValue,
      disk_format: image.diskFormat,
      container_format: image.containerFormat,
      min_disk: image.minDisk,
      min_ram: image.minRam,
      protected: fromBool(image.protected),
      os_hidden: fromBool(image.osHidden),
      owner: image.owner,
      properties: JSON.stringify(image.properties),
      store: image.store,
      location: image.location,
      created_at: image.createdAt,
      updated_at: image.updatedAt,
      deleted: 0,
      deleted_at: null,
    })
    .execute()
  await setImageTags(db, image.id, image.tags)
}

/**
 * Updates a live image; with `expectStatus`, only when its status is one of them
 * (compare-and-swap). Resolves whether a row changed.
 */
export async function updateImage(
  db: Db,
  id: string,
  changes: ImageChanges,
  options: { expectStatus?: readonly string[] } = {},
): Promise<boolean> {
  let query = db
    .updateTable('image')
    .set(toColumns(changes))
    .where('id', '=', id)
    .where('deleted', '=', 0)
  if (options.expectStatus) query = query.where('status', 'in', options.expectStatus)
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Marks an image deleted (kept so its id is never reused) and drops its tags and members. */
export async function markImageDeleted(db: Db, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('image')
    .set({ status: 'deleted', deleted: 1, deleted_at: at, updated_at: at, store: null })
    .where('id', '=', id)
    .where('deleted', '=', 0)
    .executeTakeFirst()
  await db.deleteFrom('image_tag').where('image_id', '=', id).execute()
  await db.deleteFrom('image_member').where('image_id', '=', id).execute()
  return Number(result.numUpdatedRows) > 0
}

/** Replaces the tags of an image. */
export async function setImageTags(db: Db, id: string, tags: readonly string[]): Promise<void> {
  await db.deleteFrom('image_tag').where('image_id', '=', id).execute()
  const unique = [...new Set(tags)]
  if (unique.length > 0) {
    await db
      .insertInto('image_tag')
      .values(unique.map((value) => ({ image_id: id, value })))
      .execute()
  }
}

/** A comparison on a timestamp column (`gt:2026-01-01T00:00:00Z`). */
export interface TimeComparison {
  op: '>' | '>=' | '<' | '<=' | '=' | '<>'
  value: string
}

/** Which images a caller may see: everything (admin) or by Glance's visibility rules. */
export type ImageAccess =
  | { kind: 'all' }
  | {
      kind: 'project'
      projectId: string | null
      /** The visibility asked for, or undefined for Glance's default set. */
      visibility: string | undefined
      /** `all` or a member status shared images must have. */
      memberStatus: string
    }

/** Filters and order of a listing; all filters combine with AND. */
export interface ImageQuery {
  access: ImageAccess
  ids?: readonly string[]
  names?: readonly string[]
  statuses?: readonly string[]
  visibilities?: readonly string[]
  diskFormats?: readonly string[]
  containerFormats?: readonly string[]
  owner?: string
  size?: number
  checksums?: readonly string[]
  hashValues?: readonly string[]
  sizeMin?: number
  sizeMax?: number
  tags?: readonly string[]
  osHidden?: boolean
  protected?: boolean
  createdAt?: readonly TimeComparison[]
  updatedAt?: readonly TimeComparison[]
}

function memberOf(eb: Eb, projectId: string, memberStatus: string): Expression<SqlBool> {
  let members = eb
    .selectFrom('image_member')
    .select('image_member.image_id')
    .whereRef('image_member.image_id', '=', 'image.id')
    .where('image_member.member', '=', projectId)
  if (memberStatus !== 'all') members = members.where('image_member.status', '=', memberStatus)
  return eb.and([eb('image.visibility', '=', 'shared'), eb.exists(members)])
}

function accessCondition(eb: Eb, access: ImageAccess): Expression<SqlBool> | undefined {
  if (access.kind === 'all') return undefined
  const project = access.projectId
  const own = project === null ? eb.lit(false) : eb('image.owner', '=', project)
  const shared = project === null ? eb.lit(false) : memberOf(eb, project, access.memberStatus)
  switch (access.visibility) {
    case 'public':
      return eb('image.visibility', '=', 'public')
    case 'community':
      return eb('image.visibility', '=', 'community')
    case 'private':
      return eb.and([eb('image.visibility', '=', 'private'), own])
    case 'shared':
      return eb.or([eb.and([eb('image.visibility', '=', 'shared'), own]), shared])
    case 'all':
      return eb.or([own, eb('image.visibility', 'in', ['public', 'community']), shared])
    default:
      return eb.or([own, eb('image.visibility', '=', 'public'), shared])
  }
}

/** The images matching a query, unordered: the service sorts and pages them. */
export async function listImages(db: Db, q: ImageQuery): Promise<Image[]> {
  let query = db.selectFrom('image').selectAll('image').where('image.deleted', '=', 0)
  query = query.where((eb) => {
    const all: Expression<SqlBool>[] = []
    const access = accessCondition(eb, q.access)
    if (access) all.push(access)
    if (q.ids) all.push(eb('image.id', 'in', [...q.ids, '']))
    if (q.names) all.push(eb('image.name', 'in', [...q.names, '']))
    if (q.statuses) all.push(eb('image.status', 'in', [...q.statuses, '']))
    if (q.visibilities) all.push(eb('image.visibility', 'in', [...q.visibilities, '']))
    if (q.diskFormats) all.push(eb('image.disk_format', 'in', [...q.diskFormats, '']))
    if (q.containerFormats)
      all.push(eb('image.container_format', 'in', [...q.containerFormats, '']))
    if (q.owner !== undefined) all.push(eb('image.owner', '=', q.owner))
    if (q.size !== undefined) all.push(eb('image.size', '=', q.size))
    if (q.checksums) all.push(eb('image.checksum', 'in', [...q.checksums, '']))
    if (q.hashValues) all.push(eb('image.os_hash_value', 'in', [...q.hashValues, '']))
    if (q.sizeMin !== undefined) all.push(eb('image.size', '>=', q.sizeMin))
    if (q.sizeMax !== undefined) all.push(eb('image.size', '<=', q.sizeMax))
    if (q.osHidden !== undefined) all.push(eb('image.os_hidden', '=', fromBool(q.osHidden)))
    if (q.protected !== undefined) all.push(eb('image.protected', '=', fromBool(q.protected)))
    for (const c of q.createdAt ?? []) all.push(eb('image.created_at', c.op, c.value))
    for (const c of q.updatedAt ?? []) all.push(eb('image.updated_at', c.op, c.value))
    for (const tag of q.tags ?? []) {
      all.push(
        eb.exists(
          eb
            .selectFrom('image_tag')
            .select('image_tag.image_id')
            .whereRef('image_tag.image_id', '=', 'image.id')
            .where('image_tag.value', '=', tag),
        ),
      )
    }
    return eb.and(all)
  })
  const rows = await query.execute()
  const tags = await tagsOf(
    db,
    rows.map((r) => r.id),
  )
  return rows.map((row) => fromRow(row, tags.get(row.id) ?? []))
}

/** Images and bytes a project holds (live images), and bytes being uploaded or staged. */
export async function projectUsage(
  db: Db,
  owner: string,
): Promise<{ count: number; bytes: number; uploading: number }> {
  const row = await db
    .selectFrom('image')
    .select((eb) => [eb.fn.countAll<number | string>().as('count')])
    .select((eb) => eb.fn.sum<number | string | null>('size').as('bytes'))
    .where('owner', '=', owner)
    .where('deleted', '=', 0)
    .executeTakeFirst()
  const uploading = await db
    .selectFrom('image')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('owner', '=', owner)
    .where('deleted', '=', 0)
    .where('status', 'in', ['saving', 'uploading', 'importing'])
    .executeTakeFirst()
  return {
    count: Number(row?.count ?? 0),
    bytes: Number(row?.bytes ?? 0),
    uploading: Number(uploading?.count ?? 0),
  }
}

/** Whether any image (even a deleted one) has this id. */
export async function imageIdTaken(db: Db, id: string): Promise<boolean> {
  const row = await db.selectFrom('image').select('id').where('id', '=', id).executeTakeFirst()
  return row !== undefined
}

/** Images left in a transitional state by a previous process. */
export async function imagesInStatus(db: Db, statuses: readonly string[]): Promise<Image[]> {
  const rows = await db
    .selectFrom('image')
    .selectAll()
    .where('deleted', '=', 0)
    .where('status', 'in', [...statuses])
    .execute()
  return rows.map((row) => fromRow(row, []))
}
