import { inflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import { renderSummaryReport } from '../../../../src/tools/simulator/summary-report';
import { seedChannels } from '../../../../src/tools/simulator/seed-channels';
import type { PatientChannel } from '../../../../src/pulsara/types';

function strokeChannel(): PatientChannel {
  return seedChannels()[0];
}

/** The page content streams, inflated: pdf-lib draws text as hex strings inside them. */
function pageContent(pdf: Buffer): string {
  const text = pdf.toString('latin1');
  const parts: string[] = [];
  for (const match of text.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    const raw = Buffer.from(match[1], 'latin1');
    try {
      parts.push(inflateSync(raw).toString('latin1'));
    } catch {
      parts.push(match[1]);
    }
  }
  return parts.join('\n').toUpperCase();
}

/** Everything Jest can fake but `Date`. */
const FAKEABLE_EXCEPT_DATE: FakeableAPI[] = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'requestIdleCallback',
  'cancelIdleCallback',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
];

function hex(value: string): string {
  return Buffer.from(value, 'latin1').toString('hex').toUpperCase();
}

describe('renderSummaryReport', () => {
  it('produces a PDF that pdf-lib can read back, dated from updated_at', async () => {
    const bytes = await renderSummaryReport(strokeChannel());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    expect(doc.getPageCount()).toBe(1);
    expect(doc.getTitle()).toBe('Pulsara Summary Report pc_7f3a9c21');
    expect(doc.getCreationDate()?.toISOString()).toBe('2026-11-25T19:03:11.000Z');
    expect(doc.getModificationDate()?.toISOString()).toBe('2026-11-25T19:03:11.000Z');
  });

  describe('at different times', () => {
    // Only the clock is faked: pdf-lib yields to the event loop with real timers while it saves.
    beforeEach(() => jest.useFakeTimers({ doNotFake: FAKEABLE_EXCEPT_DATE }));
    afterEach(() => jest.useRealTimers());

    it('gives the same bytes for the same content, even rendered at different times', async () => {
      jest.setSystemTime(new Date('2031-03-04T05:06:07.891Z'));
      const first = await renderSummaryReport(strokeChannel());
      // Years, seconds and milliseconds all differ: any clock read would show in the bytes.
      jest.setSystemTime(new Date('2047-09-10T11:12:13.456Z'));
      const second = await renderSummaryReport(strokeChannel());
      expect(second.equals(first)).toBe(true);
    });
  });

  it('gives different bytes when a timeline time changes', async () => {
    const before = await renderSummaryReport(strokeChannel());
    const changed = strokeChannel();
    changed.timeline![3].time = '2026-11-25T19:21:30Z';
    const after = await renderSummaryReport(changed);
    expect(after.equals(before)).toBe(false);
  });

  it('prints the organisation, identifier names and times, but not identifier values', async () => {
    const content = pageContent(await renderSummaryReport(strokeChannel()));
    expect(content).toContain(hex('Mercy General Hospital'));
    expect(content).toContain(hex('MRN (hospital): entered'));
    expect(content).toContain(hex('ER Door: 2026-11-25T19:02:40Z'));
    expect(content).toContain(hex('CT/CTA Complete: not set'));
    expect(content).not.toContain(hex('E4410982'));
    expect(content).not.toContain(hex('300018842'));
  });

  it('renders text the standard font cannot encode, and long timelines over several pages', async () => {
    const channel = strokeChannel();
    channel.organization = { id: 'org_1', name: 'Hôpital Saint-Étienne 北京' };
    channel.timeline = Array.from({ length: 80 }, (_, i) => ({
      key: `k${i}`,
      label: `Step ${i}`,
      time: null,
      set_by: null,
    }));
    const doc = await PDFDocument.load(await renderSummaryReport(channel));
    expect(doc.getPageCount()).toBeGreaterThan(1);
  });
});
