/** @module network/db/agents-repo: agents' administrative settings and the agents hosting networks and routers */
import type { Kysely } from 'kysely'
import { fromBool, toBool } from '../../core/db/index.js'
import type { NetworkDatabase } from './schema.js'

type Db = Kysely<NetworkDatabase>

/** What an administrator set on an agent. */
export interface AgentSettings {
  agentType: string
  host: string
  adminStateUp: boolean
  description: string | null
  createdAt: string
}

export async function listAgentSettings(db: Db): Promise<AgentSettings[]> {
  const rows = await db.selectFrom('agent').selectAll().execute()
  return rows.map((r) => ({
    agentType: r.agent_type,
    host: r.host,
    adminStateUp: toBool(r.admin_state_up),
    description: r.description,
    createdAt: r.created_at,
  }))
}

/** Writes an agent's settings (inserting the row the first time). */
export async function saveAgentSettings(db: Db, settings: AgentSettings): Promise<void> {
  const values = {
    admin_state_up: fromBool(settings.adminStateUp),
    description: settings.description,
  }
  const updated = await db
    .updateTable('agent')
    .set(values)
    .where('agent_type', '=', settings.agentType)
    .where('host', '=', settings.host)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) > 0) return
  await db
    .insertInto('agent')
    .values({
      ...values,
      agent_type: settings.agentType,
      host: settings.host,
      created_at: settings.createdAt,
    })
    .execute()
}

export async function deleteAgentSettings(db: Db, agentType: string, host: string): Promise<void> {
  await db
    .deleteFrom('agent')
    .where('agent_type', '=', agentType)
    .where('host', '=', host)
    .execute()
}

/** resource id -> host, for one agent type. */
export async function listAgentBindings(db: Db, agentType: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('agent_binding')
    .select(['resource_id', 'host'])
    .where('agent_type', '=', agentType)
    .execute()
  return new Map(rows.map((r) => [r.resource_id, r.host]))
}

/** Records that `host` serves a resource (replacing a binding to another host). */
export async function bindAgent(
  db: Db,
  binding: { agentType: string; resourceId: string; host: string },
): Promise<void> {
  const update = () =>
    db
      .updateTable('agent_binding')
      .set({ host: binding.host })
      .where('agent_type', '=', binding.agentType)
      .where('resource_id', '=', binding.resourceId)
      .executeTakeFirst()
  if (Number((await update()).numUpdatedRows) > 0) return
  try {
    await db
      .insertInto('agent_binding')
      .values({
        agent_type: binding.agentType,
        resource_id: binding.resourceId,
        host: binding.host,
      })
      .execute()
  } catch {
    // another agent's sync bound it at the same moment
    await update()
  }
}

/** Drops the bindings of resources that no longer exist. */
export async function unbindAgents(
  db: Db,
  agentType: string,
  resourceIds: readonly string[],
): Promise<void> {
  if (resourceIds.length === 0) return
  await db
    .deleteFrom('agent_binding')
    .where('agent_type', '=', agentType)
    .where('resource_id', 'in', resourceIds)
    .execute()
}
