/** @module image/api/caller: the caller of an image route, as the service layer sees it */
import type { RouteInput } from '../../core/http/index.js'
import type { ImageCaller } from '../service/context.js'

/** Builds the caller from the token and the policy rules that depend only on who is asking. */
export function imageCaller(input: RouteInput): ImageCaller {
  const projectId = input.context.identity?.projectId ?? null
  const target = { project_id: projectId ?? '', owner: projectId ?? '' }
  return {
    projectId,
    isAdmin: input.allowed('context_is_admin', target),
    mayPublicize: input.allowed('publicize_image', target),
    mayCommunitize: input.allowed('communitize_image', target),
  }
}

/** The policy target of an image route: the caller's project, as Glance passes it. */
export function projectTarget(input: RouteInput): Record<string, unknown> {
  const projectId = input.context.identity?.projectId ?? ''
  return { project_id: projectId, owner: projectId }
}
