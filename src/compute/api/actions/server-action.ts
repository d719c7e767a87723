/** @module compute/api/actions/server-action: one entry of the server action table */
import type { JsonSchema, RouteInput, RouteResult } from '../../../core/http/index.js'
import type { Caller, ComputeContext } from '../../service/context.js'

/** `POST /servers/{id}/action` with `{ key: ... }`. */
export interface ServerAction {
  /** The body's one key, e.g. `reboot`, `os-start`. */
  key: string
  /** Full policy rule name. */
  policy: string
  /** Schema of the value under `key`. */
  schema: JsonSchema
  /** Microversion range where the action exists. */
  microversion?: { min?: string; max?: string }
  run(
    ctx: ComputeContext,
    caller: Caller,
    uuid: string,
    value: unknown,
    input: RouteInput,
  ): Promise<RouteResult>
}

export const accepted: RouteResult = { status: 202 }
export const anyValue: JsonSchema = {}
/** Actions without arguments take `null` or `{}`, as Nova accepts both. */
export const nullValue: JsonSchema = { type: ['null', 'object'] }
