/** @module image/service/members: sharing images with other projects */
import { isUniqueViolation } from '../../core/db/index.js'
import {
  countMembers,
  createMember,
  deleteMember,
  getMember,
  listMembers,
  updateMemberStatus,
  type ImageMember,
} from '../db/members-repo.js'
import {
  ImageDuplicateError,
  ImageForbiddenError,
  ImageMemberNotFoundError,
  ImageValidationError,
} from '../errors.js'
import { timestamp, type ImageCaller, type ImageContext } from './context.js'
import { ownedImage, ownsImage, visibleImage } from './image-access.js'
import { MEMBER_STATUSES } from './image-attributes.js'
import type { Image } from './images.js'
import { checkMemberCount } from './quotas.js'

export type { ImageMember } from '../db/members-repo.js'

function requireShared(image: Image): void {
  if (image.visibility !== 'shared') {
    throw new ImageForbiddenError(
      `Only shared images have members: image ${image.id} is ${image.visibility}.`,
    )
  }
}

/** Shares an image with a project (status pending); only the owner may, only for shared images. */
export async function addMember(
  ctx: ImageContext,
  caller: ImageCaller,
  imageId: string,
  memberId: string,
): Promise<ImageMember> {
  const image = await ownedImage(ctx, caller, imageId, 'share')
  requireShared(image)
  checkMemberCount(ctx, (await countMembers(ctx.db, imageId)) + 1)
  const now = timestamp(ctx)
  const member: ImageMember = {
    imageId,
    memberId,
    status: 'pending',
    createdAt: now,
    updatedAt: now,
  }
  const duplicate = () =>
    new ImageDuplicateError(`Member ${memberId} already exists for image ${imageId}.`)
  if (await getMember(ctx.db, imageId, memberId)) throw duplicate()
  try {
    await createMember(ctx.db, member)
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate()
    throw error
  }
  return member
}

/** The members the caller may see: all of them for the owner, only itself for a member. */
export async function membersOf(
  ctx: ImageContext,
  caller: ImageCaller,
  imageId: string,
): Promise<ImageMember[]> {
  const image = await visibleImage(ctx, caller, imageId)
  requireShared(image)
  const members = await listMembers(ctx.db, imageId)
  if (ownsImage(image, caller)) return members
  return members.filter((m) => m.memberId === caller.projectId)
}

/** One member, for the owner or the member itself. */
export async function showMember(
  ctx: ImageContext,
  caller: ImageCaller,
  imageId: string,
  memberId: string,
): Promise<ImageMember> {
  const image = await visibleImage(ctx, caller, imageId)
  requireShared(image)
  const member = await getMember(ctx.db, imageId, memberId)
  if (!member || (!ownsImage(image, caller) && memberId !== caller.projectId)) {
    throw new ImageMemberNotFoundError(imageId, memberId)
  }
  return member
}

/** Accepts, rejects or resets a share; only the member itself may. */
export async function setMemberStatus(
  ctx: ImageContext,
  caller: ImageCaller,
  imageId: string,
  memberId: string,
  status: string,
): Promise<ImageMember> {
  if (!(MEMBER_STATUSES as readonly string[]).includes(status)) {
    throw new ImageValidationError(
      `Invalid status '${status}': must be one of ${MEMBER_STATUSES.join(', ')}.`,
    )
  }
  const image = await visibleImage(ctx, caller, imageId)
  requireShared(image)
  const member = await getMember(ctx.db, imageId, memberId)
  if (!member) throw new ImageMemberNotFoundError(imageId, memberId)
  if (caller.projectId !== memberId) {
    throw new ImageForbiddenError(
      `You are not permitted to modify the status of member ${memberId}: only the member may.`,
    )
  }
  const updatedAt = timestamp(ctx)
  await updateMemberStatus(ctx.db, imageId, memberId, { status, updatedAt })
  return { ...member, status, updatedAt }
}

/** Stops sharing with a project; only the owner may. */
export async function removeMember(
  ctx: ImageContext,
  caller: ImageCaller,
  imageId: string,
  memberId: string,
): Promise<void> {
  const image = await visibleImage(ctx, caller, imageId)
  if (!ownsImage(image, caller)) {
    throw new ImageForbiddenError('You are not permitted to remove members of this image.')
  }
  requireShared(image)
  if (!(await deleteMember(ctx.db, imageId, memberId))) {
    throw new ImageMemberNotFoundError(imageId, memberId)
  }
}
