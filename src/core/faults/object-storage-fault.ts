/** @module core/faults/object-storage-fault: Swift's short HTML error pages */
import { reasonPhrase, type FaultRenderer } from './fault.js'

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** Renders errors as Swift's proxy does. */
export const renderObjectStorageFault: FaultRenderer = (error) => ({
  status: error.status,
  contentType: 'text/html; charset=UTF-8',
  body: `<html><h1>${reasonPhrase(error.status)}</h1><p>${escapeHtml(error.message)}</p></html>`,
  headers: error.headers,
})
