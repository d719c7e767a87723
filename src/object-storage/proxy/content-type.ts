/** @module object-storage/proxy/content-type: content types guessed from object names */

const BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain',
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  csv: 'text/csv',
  js: 'application/javascript',
  json: 'application/json',
  xml: 'application/xml',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  iso: 'application/x-iso9660-image',
  qcow2: 'application/octet-stream',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
}

/** The type a name's extension suggests (Python's mimetypes), else application/octet-stream. */
export function guessContentType(name: string): string {
  const dot = name.lastIndexOf('.')
  const extension = dot >= 0 ? name.slice(dot + 1).toLowerCase() : ''
  return BY_EXTENSION[extension] ?? 'application/octet-stream'
}
