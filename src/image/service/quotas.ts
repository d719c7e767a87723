/** @module image/service/quotas: per-image and per-project limits, checked before anything is written */
import { projectUsage } from '../db/images-repo.js'
import { ImageQuotaExceededError } from '../errors.js'
import type { ImageContext } from './context.js'

function over(limit: number, count: number): boolean {
  return limit >= 0 && count > limit
}

export function checkPropertyCount(ctx: ImageContext, count: number): void {
  if (over(ctx.config.propertyQuota, count)) {
    throw new ImageQuotaExceededError(
      `Maximum number of image properties exceeded: ${count} of ${ctx.config.propertyQuota}.`,
    )
  }
}

export function checkTagCount(ctx: ImageContext, count: number): void {
  if (over(ctx.config.tagQuota, count)) {
    throw new ImageQuotaExceededError(
      `Maximum number of image tags exceeded: ${count} of ${ctx.config.tagQuota}.`,
    )
  }
}

export function checkMemberCount(ctx: ImageContext, count: number): void {
  if (over(ctx.config.memberQuota, count)) {
    throw new ImageQuotaExceededError(
      `Maximum number of image members exceeded: ${count} of ${ctx.config.memberQuota}.`,
    )
  }
}

/** Refuses a new image when the project already owns its quota of images. */
export async function checkImageCount(ctx: ImageContext, owner: string): Promise<void> {
  if (ctx.config.quotaImages < 0) return
  const usage = await projectUsage(ctx.db, owner)
  if (usage.count + 1 > ctx.config.quotaImages) {
    throw new ImageQuotaExceededError(
      `Maximum number of images exceeded: the project owns ${usage.count} of ` +
        `${ctx.config.quotaImages}.`,
    )
  }
}

/** What a project's quota and the size cap still allow one upload to write; -1 is unlimited. */
export interface UploadAllowance {
  maxBytes: number
  message: string
}

/**
 * The bytes an upload of `owner` may still write, refusing at once (before any byte is written)
 * when the announced `contentLength` would not fit.
 */
export async function uploadAllowance(
  ctx: ImageContext,
  owner: string | null,
  contentLength: number | undefined,
): Promise<UploadAllowance> {
  const cap = ctx.config.maxImageBytes
  let allowance: UploadAllowance = {
    maxBytes: cap,
    message: `Image exceeds the storage size limit of ${cap} bytes.`,
  }
  if (owner !== null && ctx.config.quotaTotalBytes >= 0) {
    const usage = await projectUsage(ctx.db, owner)
    const left = Math.max(0, ctx.config.quotaTotalBytes - usage.bytes)
    if (cap < 0 || left < cap) {
      allowance = {
        maxBytes: left,
        message:
          `Denying attempt to upload image because it exceeds the quota: the project may ` +
          `store ${ctx.config.quotaTotalBytes} bytes and holds ${usage.bytes}.`,
      }
    }
  }
  if (contentLength !== undefined && allowance.maxBytes >= 0 && contentLength > allowance.maxBytes)
    throw new ImageQuotaExceededError(allowance.message)
  return allowance
}

/** A project's usage against its limits, for `GET /v2/info/usage`. */
export async function quotaUsage(ctx: ImageContext, owner: string | null) {
  const usage =
    owner === null ? { count: 0, bytes: 0, uploading: 0 } : await projectUsage(ctx.db, owner)
  return {
    imageCount: { limit: ctx.config.quotaImages, usage: usage.count },
    imageSize: { limit: ctx.config.quotaTotalBytes, usage: usage.bytes },
    uploading: { limit: -1, usage: usage.uploading },
  }
}
