/**
 * Reads a summary report (PSR) body from a stream with bounded memory: it stops as soon as
 * the body passes the size cap or its first bytes show it is not a PDF, so an oversized or
 * wrong answer never gets buffered whole.
 */
import type { Readable } from 'node:stream';
import { BridgeError } from '../shared/errors';
import { PDF_MAGIC, hasPdfMagic } from './pdf-check';

export interface ReadSummaryOptions {
  channelId: string;
  maxBytes: number;
  /** The Content-Type that arrived, named in the not-a-PDF message. */
  contentType: string | undefined;
  /** Aborts the read (the caller's deadline); the caller classifies the failure. */
  signal?: AbortSignal;
}

export function summaryTooLarge(channelId: string, maxBytes: number): BridgeError {
  return new BridgeError(
    'summary-too-large',
    `The summary report of channel ${channelId} is larger than the limit of ${maxBytes} bytes; ` +
      'raise PULSARA_SUMMARY_MAX_BYTES if reports this large are expected.',
    { detail: { channelId, maxBytes } },
  );
}

function notPdf(channelId: string, contentType: string | undefined): BridgeError {
  return new BridgeError(
    'summary-not-pdf',
    `Pulsara answered the summary request for channel ${channelId} with something that is not a PDF ` +
      `(content type ${contentType ? `"${contentType}"` : 'not given'}); a proxy or error page may be answering instead of Pulsara.`,
    { detail: { channelId, contentType: contentType ?? null } },
  );
}

/** Collects the stream into one Buffer of at most `maxBytes`, starting with `%PDF-`. */
export function readSummaryStream(stream: Readable, options: ReadSummaryOptions): Promise<Buffer> {
  const { channelId, maxBytes, contentType, signal } = options;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let checked = false;
    let settled = false;

    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      cleanup();
      chunks.length = 0;
      // Keep an error listener: destroying may still emit one, which must not go unhandled.
      stream.on('error', () => undefined);
      stream.destroy();
      reject(err);
    };
    function onData(chunk: Buffer): void {
      if (total + chunk.length > maxBytes) {
        fail(summaryTooLarge(channelId, maxBytes));
        return;
      }
      chunks.push(chunk);
      total += chunk.length;
      if (!checked && total >= PDF_MAGIC.length) {
        checked = true;
        if (!hasPdfMagic(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))) {
          fail(notPdf(channelId, contentType));
        }
      }
    }
    function onEnd(): void {
      if (settled) return;
      if (!checked) {
        fail(notPdf(channelId, contentType));
        return;
      }
      settled = true;
      cleanup();
      resolve(Buffer.concat(chunks, total));
    }
    function onError(err: Error): void {
      fail(err);
    }
    function onAbort(): void {
      fail(signal?.reason ?? new Error('aborted'));
    }

    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort);
    stream.on('error', onError);
    stream.on('end', onEnd);
    stream.on('data', onData);
  });
}
