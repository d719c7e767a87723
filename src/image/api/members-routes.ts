/** @module image/api/members-routes: /v2/images/{id}/members */
import type { Route } from '../../core/http/index.js'
import type { ImageContext } from '../service/context.js'
import {
  addMember,
  membersOf,
  removeMember,
  setMemberStatus,
  showMember,
} from '../service/members.js'
import { imageCaller, projectTarget } from './caller.js'
import { checkMemberId } from './image-input.js'
import { memberView } from './views.js'

const imageParams = {
  type: 'object',
  required: ['image_id'],
  properties: { image_id: { type: 'string', maxLength: 255 } },
}

const memberParams = {
  type: 'object',
  required: ['image_id', 'member_id'],
  properties: {
    image_id: { type: 'string', maxLength: 255 },
    member_id: { type: 'string', maxLength: 255 },
  },
}

/** Routes of image members. */
export function membersRoutes(ctx: ImageContext): Route[] {
  return [
    {
      method: 'POST',
      path: '/v2/images/:image_id/members',
      policy: 'add_member',
      schema: {
        params: imageParams,
        body: { type: 'object', required: ['member'], properties: { member: {} } },
      },
      errors: [409, 413],
      async handler(input) {
        input.authorize(projectTarget(input))
        const memberId = checkMemberId((input.body as { member: unknown }).member)
        const member = await addMember(
          ctx,
          imageCaller(input),
          input.params['image_id'] ?? '',
          memberId,
        )
        return { status: 200, body: memberView(member) }
      },
    },
    {
      method: 'GET',
      path: '/v2/images/:image_id/members',
      policy: 'get_members',
      schema: { params: imageParams },
      errors: [],
      async handler(input) {
        input.authorize(projectTarget(input))
        const members = await membersOf(ctx, imageCaller(input), input.params['image_id'] ?? '')
        return {
          status: 200,
          body: { members: members.map(memberView), schema: '/v2/schemas/members' },
        }
      },
    },
    {
      method: 'GET',
      path: '/v2/images/:image_id/members/:member_id',
      policy: 'get_member',
      schema: { params: memberParams },
      errors: [],
      async handler(input) {
        input.authorize(projectTarget(input))
        const { image_id: imageId = '', member_id: memberId = '' } = input.params
        const member = await showMember(ctx, imageCaller(input), imageId, memberId)
        return { status: 200, body: memberView(member) }
      },
    },
    {
      method: 'PUT',
      path: '/v2/images/:image_id/members/:member_id',
      policy: 'modify_member',
      schema: {
        params: memberParams,
        body: { type: 'object', required: ['status'], properties: { status: { type: 'string' } } },
      },
      errors: [],
      async handler(input) {
        input.authorize(projectTarget(input))
        const { image_id: imageId = '', member_id: memberId = '' } = input.params
        const status = (input.body as { status: string }).status
        const member = await setMemberStatus(ctx, imageCaller(input), imageId, memberId, status)
        return { status: 200, body: memberView(member) }
      },
    },
    {
      method: 'DELETE',
      path: '/v2/images/:image_id/members/:member_id',
      policy: 'delete_member',
      schema: { params: memberParams },
      errors: [],
      async handler(input) {
        input.authorize(projectTarget(input))
        const { image_id: imageId = '', member_id: memberId = '' } = input.params
        await removeMember(ctx, imageCaller(input), imageId, memberId)
        return { status: 204 }
      },
    },
  ]
}
