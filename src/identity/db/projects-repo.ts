/** @module identity/db/projects-repo: projects and domains (domains are projects with is_domain) */
import type { Kysely, Selectable } from 'kysely'
import { fromBool, parseJsonColumn, toBool } from '../../core/db/index.js'
import { matchesName, type NameFilter } from './name-filter.js'
import type { IdentityDatabase, ProjectTable } from './schema.js'

type Db = Kysely<IdentityDatabase>

/** A project or domain as the service layer sees it. */
export interface Project {
  id: string
  name: string
  description: string
  enabled: boolean
  domainId: string | null
  parentId: string | null
  isDomain: boolean
  extra: Record<string, unknown>
  tags: string[]
}

function fromRow(row: Selectable<ProjectTable>, tags: string[]): Project {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    enabled: toBool(row.enabled),
    domainId: row.domain_id,
    parentId: row.parent_id,
    isDomain: toBool(row.is_domain),
    extra: parseJsonColumn(row.extra, {}),
    tags,
  }
}

async function tagsOf(db: Db, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  if (ids.length === 0) return out
  const rows = await db
    .selectFrom('project_tag')
    .select(['project_id', 'name'])
    .where('project_id', 'in', ids)
    .orderBy('name')
    .execute()
  for (const row of rows) out.set(row.project_id, [...(out.get(row.project_id) ?? []), row.name])
  return out
}

export async function getProject(db: Db, id: string): Promise<Project | undefined> {
  const row = await db.selectFrom('project').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) return undefined
  return fromRow(row, (await tagsOf(db, [id])).get(id) ?? [])
}

/** Filters for listing projects; all optional and combined with AND. */
export interface ProjectFilter extends NameFilter {
  isDomain?: boolean
  ids?: readonly string[]
  name?: string
  domainId?: string
  parentId?: string
  enabled?: boolean
  tagsAll?: readonly string[]
  tagsAny?: readonly string[]
  notTagsAll?: readonly string[]
  notTagsAny?: readonly string[]
}

export async function listProjects(db: Db, filter: ProjectFilter): Promise<Project[]> {
  let query = db.selectFrom('project').selectAll()
  if (filter.isDomain !== undefined)
    query = query.where('is_domain', '=', fromBool(filter.isDomain))
  if (filter.ids) {
    if (filter.ids.length === 0) return []
    query = query.where('id', 'in', filter.ids)
  }
  if (filter.name !== undefined) query = query.where('name', '=', filter.name)
  if (filter.domainId !== undefined) query = query.where('domain_id', '=', filter.domainId)
  if (filter.parentId !== undefined) query = query.where('parent_id', '=', filter.parentId)
  if (filter.enabled !== undefined) query = query.where('enabled', '=', fromBool(filter.enabled))
  const rows = await query.orderBy('name').orderBy('id').execute()
  const tags = await tagsOf(
    db,
    rows.map((r) => r.id),
  )
  const projects = rows.map((r) => fromRow(r, tags.get(r.id) ?? []))
  return projects.filter((p) => matchesTags(p.tags, filter) && matchesName(p.name, filter))
}

function matchesTags(tags: readonly string[], f: ProjectFilter): boolean {
  if (f.tagsAll && !f.tagsAll.every((t) => tags.includes(t))) return false
  if (f.tagsAny && !f.tagsAny.some((t) => tags.includes(t))) return false
  if (f.notTagsAll && f.notTagsAll.length > 0 && f.notTagsAll.every((t) => tags.includes(t)))
    return false
  if (f.notTagsAny && f.notTagsAny.some((t) => tags.includes(t))) return false
  return true
}

export async function findProjectByName(
  db: Db,
  name: string,
  domainId: string | null,
): Promise<Project | undefined> {
  let query = db.selectFrom('project').selectAll().where('name', '=', name)
  query =
    domainId === null
      ? query.where('is_domain', '=', 1)
      : query.where('domain_id', '=', domainId).where('is_domain', '=', 0)
  const row = await query.executeTakeFirst()
  return row ? fromRow(row, (await tagsOf(db, [row.id])).get(row.id) ?? []) : undefined
}

export async function createProject(db: Db, p: Project, createdAt: string): Promise<void> {
  await db
    .insertInto('project')
    .values({
      id: p.id,
      name: p.name,
      description: p.description,
      enabled: fromBool(p.enabled),
      domain_id: p.domainId,
      parent_id: p.parentId,
      is_domain: fromBool(p.isDomain),
      extra: JSON.stringify(p.extra),
      created_at: createdAt,
    })
    .execute()
  await setProjectTags(db, p.id, p.tags)
}

export async function updateProject(db: Db, p: Project): Promise<void> {
  await db
    .updateTable('project')
    .set({
      name: p.name,
      description: p.description,
      enabled: fromBool(p.enabled),
      parent_id: p.parentId,
      extra: JSON.stringify(p.extra),
    })
    .where('id', '=', p.id)
    .execute()
}

export async function setProjectTags(
  db: Db,
  projectId: string,
  tags: readonly string[],
): Promise<void> {
  await db.deleteFrom('project_tag').where('project_id', '=', projectId).execute()
  const unique = [...new Set(tags)]
  if (unique.length > 0)
    await db
      .insertInto('project_tag')
      .values(unique.map((name) => ({ project_id: projectId, name })))
      .execute()
}

export async function deleteProject(db: Db, id: string): Promise<void> {
  await db.deleteFrom('project_tag').where('project_id', '=', id).execute()
  await db.deleteFrom('project').where('id', '=', id).execute()
}

/** Ids of every descendant of a project, nearest first. */
export async function listSubtreeIds(db: Db, id: string): Promise<string[]> {
  const out: string[] = []
  let frontier = [id]
  while (frontier.length > 0) {
    const rows = await db
      .selectFrom('project')
      .select('id')
      .where('parent_id', 'in', frontier)
      .where('is_domain', '=', 0)
      .execute()
    frontier = rows.map((r) => r.id)
    out.push(...frontier)
  }
  return out
}
