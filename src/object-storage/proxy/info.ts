/** @module object-storage/proxy/info: GET /info, the capabilities this proxy implements */
import type { ProxyContext } from './context.js'
import { EXTRACT_LIMITS } from './extract-archive.js'
import { LIMITS } from './metadata.js'

/** Swift's /info body, listing only the middleware implemented here. */
export function capabilities(ctx: ProxyContext): Record<string, unknown> {
  return {
    swift: {
      version: '2.30.0',
      max_file_size: ctx.config.maxFileSize,
      max_meta_name_length: LIMITS.maxMetaNameLength,
      max_meta_value_length: LIMITS.maxMetaValueLength,
      max_meta_count: LIMITS.maxMetaCount,
      max_meta_overall_size: LIMITS.maxMetaOverallSize,
      max_header_size: LIMITS.maxHeaderSize,
      max_object_name_length: LIMITS.maxObjectNameLength,
      max_container_name_length: LIMITS.maxContainerNameLength,
      max_account_name_length: LIMITS.maxAccountNameLength,
      container_listing_limit: LIMITS.containerListingLimit,
      account_listing_limit: LIMITS.accountListingLimit,
      extra_header_count: 0,
      valid_api_versions: ['v1', 'v1.0'],
      strict_cors_mode: true,
      allow_account_management: false,
      account_autocreate: true,
      policies: [{ name: 'Policy-0', aliases: 'Policy-0', default: true }],
    },
    tempurl: {
      methods: ['GET', 'HEAD', 'PUT'],
      incoming_remove_headers: ['x-timestamp'],
      incoming_allow_headers: [],
      outgoing_remove_headers: ['x-object-meta-*'],
      outgoing_allow_headers: ['x-object-meta-public-*'],
      allowed_digests: ['sha1', 'sha256', 'sha512'],
    },
    slo: {
      max_manifest_segments: 1000,
      max_manifest_size: 8 * 1024 * 1024,
      min_segment_size: 1,
      yield_frequency: 10,
      allow_async_delete: false,
    },
    dlo: { max_segments: 10000 },
    bulk_delete: { max_deletes_per_request: 10000, max_failed_deletes: 1000 },
    bulk_upload: {
      max_containers_per_extraction: EXTRACT_LIMITS.maxContainersPerExtraction,
      max_failed_extractions: EXTRACT_LIMITS.maxFailedExtractions,
    },
    crossdomain: {},
    staticweb: {},
    formpost: { allowed_digests: ['sha1', 'sha256', 'sha512'] },
    account_quotas: {},
    container_quotas: {},
    versioned_writes: { allowed_flags: ['x-versions-location', 'x-history-location'] },
    keystoneauth: {},
  }
}
