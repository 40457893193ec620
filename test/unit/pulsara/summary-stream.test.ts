import { Readable } from 'node:stream';
import { readSummaryStream } from '../../../src/pulsara/summary-stream';
import { hasPdfMagic } from '../../../src/pulsara/pdf-check';
import type { BridgeError } from '../../../src/shared/errors';

const CHUNK = 16 * 1024;

/** An endless PDF-looking stream that counts how much was pulled from it. */
function endlessPdf(): { stream: Readable; pulled: () => number } {
  let pulled = 0;
  const stream = new Readable({
    read() {
      const chunk = Buffer.alloc(CHUNK, 0x20);
      if (pulled === 0) chunk.write('%PDF-1.7\n');
      pulled += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

describe('readSummaryStream', () => {
  it('stops reading an endless body soon after the cap, without buffering it', async () => {
    const { stream, pulled } = endlessPdf();
    const maxBytes = 256 * 1024;
    await expect(
      readSummaryStream(stream, { channelId: 'pc_1', maxBytes, contentType: 'application/pdf' }),
    ).rejects.toMatchObject({
      code: 'summary-too-large',
    });
    // The stream's own read-ahead (highWaterMark) is all that was pulled beyond the cap.
    expect(pulled()).toBeLessThanOrEqual(maxBytes + 4 * CHUNK);
    expect(stream.destroyed).toBe(true);
  });

  it('stops at the first bytes when they are not a PDF', async () => {
    let pulled = 0;
    const stream = new Readable({
      read() {
        pulled += CHUNK;
        this.push(Buffer.alloc(CHUNK, 0x3c));
      },
    });
    const err: BridgeError = await readSummaryStream(stream, {
      channelId: 'pc_1',
      maxBytes: 10 * 1024 * 1024,
      contentType: undefined,
    }).then(
      () => {
        throw new Error('expected a failure');
      },
      (e: BridgeError) => e,
    );
    expect(err.code).toBe('summary-not-pdf');
    expect(err.message).toContain('content type not given');
    expect(pulled).toBeLessThanOrEqual(4 * CHUNK);
  });

  it('assembles a PDF split across tiny chunks, magic bytes included', async () => {
    const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
    const stream = Readable.from(Array.from(pdf, (byte) => Buffer.from([byte])));
    const result = await readSummaryStream(stream, {
      channelId: 'pc_1',
      maxBytes: pdf.length,
      contentType: 'application/pdf',
    });
    expect(result.equals(pdf)).toBe(true);
  });

  it('fails with the abort reason when the signal fires mid-body', async () => {
    const stream = new Readable({ read() {} });
    stream.push(Buffer.from('%PDF-1.4\n'));
    const controller = new AbortController();
    const reading = readSummaryStream(stream, {
      channelId: 'pc_1',
      maxBytes: 1024,
      contentType: 'application/pdf',
      signal: controller.signal,
    });
    controller.abort(new Error('deadline passed'));
    await expect(reading).rejects.toThrow('deadline passed');
  });
});

describe('hasPdfMagic', () => {
  it('checks the first five bytes only, on a view into a larger buffer too', () => {
    expect(hasPdfMagic(Buffer.from('%PDF-'))).toBe(true);
    expect(hasPdfMagic(Buffer.from('%PDF'))).toBe(false);
    expect(hasPdfMagic(Buffer.from(' %PDF-1.7'))).toBe(false);
    expect(hasPdfMagic(Buffer.from('xx%PDF-1.7').subarray(2))).toBe(true);
  });
});
