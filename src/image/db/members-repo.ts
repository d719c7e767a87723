/** @module image/db/members-repo: the projects an image is shared with */
import type { Kysely, Selectable } from 'kysely'
import type { ImageDatabase, ImageMemberTable } from './schema.js'

type Db = Kysely<ImageDatabase>

/** One membership of a project in a shared image. */
export interface ImageMember {
  imageId: string
  memberId: string
  status: string
  createdAt: string
  updatedAt: string
}

function fromRow(row: Selectable<ImageMemberTable>): ImageMember {
  return {
    imageId: row.image_id,
    memberId: row.member,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export async function getMember(
  db: Db,
  imageId: string,
  memberId: string,
): Promise<ImageMember | undefined> {
  const row = await db
    .selectFrom('image_member')
    .selectAll()
    .where('image_id', '=', imageId)
    .where('member', '=', memberId)
    .executeTakeFirst()
  return row ? fromRow(row) : undefined
}

export async function listMembers(db: Db, imageId: string): Promise<ImageMember[]> {
  const rows = await db
    .selectFrom('image_member')
    .selectAll()
    .where('image_id', '=', imageId)
    .orderBy('created_at')
    .orderBy('member')
    .execute()
  return rows.map(fromRow)
}

export async function createMember(db: Db, member: ImageMember): Promise<void> {
  await db
    .insertInto('image_member')
    .values({
      image_id: member.imageId,
      member: member.memberId,
      status: member.status,
      created_at: member.createdAt,
      updated_at: member.updatedAt,
    })
    .execute()
}

export async function updateMemberStatus(
  db: Db,
  imageId: string,
  memberId: string,
  change: { status: string; updatedAt: string },
): Promise<boolean> {
  const result = await db
    .updateTable('image_member')
    .set({ status: change.status, updated_at: change.updatedAt })
    .where('image_id', '=', imageId)
    .where('member', '=', memberId)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function deleteMember(db: Db, imageId: string, memberId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('image_member')
    .where('image_id', '=', imageId)
    .where('member', '=', memberId)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

export async function countMembers(db: Db, imageId: string): Promise<number> {
  const row = await db
    .selectFrom('image_member')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('image_id', '=', imageId)
    .executeTakeFirst()
  return Number(row?.count ?? 0)
}
