/** How the bridge recognises a PDF: by its first bytes, never by the Content-Type alone. */

/** Every PDF file starts with these five bytes (ISO 32000-1, 7.5.2). */
export const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');

/** True when `bytes` starts with `%PDF-`. */
export function hasPdfMagic(bytes: Uint8Array): boolean {
  if (bytes.length < PDF_MAGIC.length) {
    return false;
  }
  return PDF_MAGIC.equals(Buffer.from(bytes.buffer, bytes.byteOffset, PDF_MAGIC.length));
}
