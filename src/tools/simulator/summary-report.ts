/**
 * Renders a simulated Pulsara Summary Report (PSR) PDF from a channel.
 *
 * The contract says the same content gives the same bytes, so nothing here may depend on
 * the clock or on randomness: the document dates come from the channel's `updated_at`,
 * the producer is fixed, and pdf-lib's automatic metadata is switched off.
 */
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import type { PDFFont, PDFPage } from 'pdf-lib';
import type { PatientChannel } from '../../pulsara/types';

const PAGE_WIDTH = 612; // US Letter, points
const PAGE_HEIGHT = 792;
const MARGIN = 54;
const LINE = 16;
/** Used when a channel carries no parsable `updated_at`, so that dates stay fixed. */
const FALLBACK_DATE = new Date('2000-01-01T00:00:00Z');

/** Fonts with the characters they can encode (standard fonts are WinAnsi only). */
interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  charset: Set<number>;
}

/** Writes lines top to bottom, starting a new page when one is full. */
class PageWriter {
  private page: PDFPage;
  private y = PAGE_HEIGHT - MARGIN;

  constructor(
    private readonly doc: PDFDocument,
    private readonly fonts: Fonts,
  ) {
    this.page = doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
  }

  line(text: string, options: { bold?: boolean; size?: number; x?: number } = {}): void {
    const size = options.size ?? 11;
    if (this.y - size < MARGIN) {
      this.page = this.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
      this.y = PAGE_HEIGHT - MARGIN;
    }
    this.page.drawText(this.encodable(text), {
      x: MARGIN + (options.x ?? 0),
      y: this.y - size,
      size,
      font: options.bold ? this.fonts.bold : this.fonts.regular,
      color: rgb(0, 0, 0),
    });
    this.y -= Math.max(LINE, size + 6);
  }

  gap(): void {
    this.y -= LINE / 2;
  }

  /** Drops accents and replaces what WinAnsi cannot encode, so any channel text renders. */
  private encodable(text: string): string {
    const plain = text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    return Array.from(plain, (ch) => (this.fonts.charset.has(ch.codePointAt(0) ?? -1) ? ch : '?')).join('');
  }
}

function text(value: unknown, fallback = '-'): string {
  return typeof value === 'string' && value.trim() !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : fallback;
}

function documentDate(channel: PatientChannel): Date {
  const parsed = channel.updated_at ? new Date(channel.updated_at) : FALLBACK_DATE;
  return Number.isNaN(parsed.getTime()) ? FALLBACK_DATE : parsed;
}

/** Renders the PSR for a channel. Deterministic: equal channels give equal bytes. */
export async function renderSummaryReport(channel: PatientChannel): Promise<Buffer> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const date = documentDate(channel);
  doc.setTitle(`Pulsara Summary Report ${channel.id}`);
  doc.setProducer('pulsara-fhir-bridge simulator');
  doc.setCreator('pulsara-fhir-bridge simulator');
  doc.setCreationDate(date);
  doc.setModificationDate(date);

  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const writer = new PageWriter(doc, { regular, bold, charset: new Set(regular.getCharacterSet()) });

  writer.line('Pulsara Summary Report', { bold: true, size: 18 });
  writer.line(text(channel.organization?.name, 'Unknown organisation'), { size: 13 });
  writer.gap();
  writer.line(`Channel: ${channel.id}`);
  writer.line(`Patient type: ${text(channel.patient_type)}`);
  writer.line(`Method of arrival: ${text(channel.method_of_arrival)}`);
  writer.line(`Status: ${text(channel.status)}`);
  writer.line(`Created: ${text(channel.created_at)}   Updated: ${text(channel.updated_at)}`);

  const patient = channel.patient ?? {};
  writer.gap();
  writer.line('Patient', { bold: true, size: 13 });
  writer.line(`Name: ${text(patient.last_name, '')}, ${text(patient.first_name, '')}`);
  writer.line(`Age: ${text(patient.age)}   Gender: ${text(patient.gender)}`);

  writer.gap();
  writer.line('Identifiers', { bold: true, size: 13 });
  const identifiers = channel.identifiers ?? [];
  if (identifiers.length === 0) {
    writer.line('None entered');
  }
  for (const identifier of identifiers) {
    // Names only: the report shows which identifiers were entered, not their values.
    const entered = text(identifier.value, '') === '' ? 'not entered' : 'entered';
    writer.line(`${text(identifier.name)} (${text(identifier.category)}): ${entered}`);
  }

  writer.gap();
  writer.line('Timeline', { bold: true, size: 13 });
  for (const entry of channel.timeline ?? []) {
    const setBy = entry.set_by ? `  by ${entry.set_by}` : '';
    writer.line(`${text(entry.label, entry.key)}: ${entry.time ?? 'not set'}${setBy}`);
  }

  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
