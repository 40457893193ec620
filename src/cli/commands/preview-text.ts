import type { DryRun } from '../../delivery/dry-run';
import type { MappingPreview, PreviewTime } from '../../mapping/check/preview';

/*
 * `mapping preview --format text`: the preview for the mapping's author to read, in plain
 * sections and local times. The JSON format carries the same facts for scripts and pages.
 */

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text.padEnd(width);
}

function timesText(times: readonly PreviewTime[]): string {
  return times.map((t) => `${t.key} ${t.local}`).join('; ');
}

function header(preview: MappingPreview): string[] {
  const zone = preview.timeZone ? `, time zone ${preview.timeZone}` : ', no time zone (times written as sent)';
  const type = preview.patientType ? `, patient type ${preview.patientType}` : ', no patient type';
  return [`Mapping  ${preview.mapping}${zone}`, `Channel  ${preview.channel}${type}`];
}

function lookup(preview: MappingPreview): string[] {
  const { patient, encounter, ignored } = preview.lookup;
  const filled = (name: string, yes: boolean): string => `${name} ${yes ? 'filled in' : 'EMPTY'}`;
  const lines = ['', 'Lookup', `  patient  ${patient.search}  (${filled(patient.identifierName, patient.filledIn)})`];
  if (encounter) {
    const needed = encounter.required ? 'required' : 'optional';
    lines.push(`  visit    ${encounter.search}  (${filled(encounter.identifierName, encounter.filledIn)}; ${needed})`);
  }
  if (ignored) {
    lines.push(`  IGNORED: ${ignored}`);
  }
  return lines;
}

function documentLines(preview: MappingPreview): string[] {
  const doc = preview.documentReference;
  if (preview.document.status === 'written' && doc) {
    const size = doc.content[0]?.attachment.size;
    const code = doc.type?.coding?.[0]?.code;
    return [
      '',
      'Document',
      `  write  DocumentReference "${doc.content[0]?.attachment.title ?? ''}"${code ? ` (${code})` : ''}${size !== undefined ? `, ${size} bytes of PDF` : ''}`,
    ];
  }
  return ['', 'Document', `  skip   ${preview.document.reason ?? ''}`];
}

function observationLines(preview: MappingPreview): string[] {
  const written = preview.observations.filter((o) => o.status === 'written').length;
  const width = Math.max(12, ...preview.observations.map((o) => o.key.length + 2));
  const lines = ['', `Observations: ${written} written, ${preview.observations.length - written} skipped`];
  for (const entry of preview.observations) {
    lines.push(
      entry.status === 'written'
        ? `  write  ${pad(entry.key, width)}${entry.valueText ?? ''}`
        : `  skip   ${pad(entry.key, width)}${entry.notWritten ?? ''}`,
    );
  }
  return lines;
}

function warningLines(preview: MappingPreview): string[] {
  if (preview.warnings.length === 0) {
    return ['', 'Warnings: none'];
  }
  const lines = ['', `Warnings: ${preview.warnings.length}`];
  for (const warning of preview.warnings) {
    lines.push(`  ! ${warning.entry}  ${warning.kind} (${warning.action})`, `    ${warning.message}`);
    if (warning.times && warning.times.length > 0) {
      lines.push(`    ${timesText(warning.times)}`);
    }
  }
  return lines;
}

function unmappedLines(preview: MappingPreview): string[] {
  if (preview.unmappedTimes.length === 0) {
    return ['', 'Times in the channel that no entry writes: none'];
  }
  const lines = ['', `Times in the channel that no entry writes: ${preview.unmappedTimes.length}`];
  const width = Math.max(...preview.unmappedTimes.map((t) => t.key.length + 2));
  for (const time of preview.unmappedTimes) {
    lines.push(`  ${pad(time.key, width)}${time.local}${time.label ? `  (${time.label})` : ''}`);
  }
  return lines;
}

function errorLines(preview: MappingPreview): string[] {
  if (preview.errors.length === 0) {
    return [];
  }
  return [
    '',
    `Errors: ${preview.errors.length} (a delivery of this channel would fail)`,
    ...preview.errors.map((e) => `  ${e.message}`),
  ];
}

function dryRunLines(dryRun: DryRun): string[] {
  const lines = ['', `Dry run against ${dryRun.ehr} (nothing written)`];
  const { lookup } = dryRun;
  if (lookup.outcome === 'stopped') {
    lines.push(`  STOPPED (${lookup.code ?? 'error'}): ${lookup.message ?? ''}`);
    return lines;
  }
  lines.push(`  patient  Patient/${lookup.patientId ?? ''} found`);
  lines.push(
    `  visit    ${lookup.encounterId ? `Encounter/${lookup.encounterId} found` : 'none: written without a visit'}`,
  );
  if (dryRun.mappingError) {
    lines.push(`  FAILS (${dryRun.mappingError.code}): ${dryRun.mappingError.message}`);
    return lines;
  }
  if (!dryRun.documentPlanned) {
    lines.push('  (the document is not planned: give --pdf to include it)');
  }
  const steps = dryRun.plan ?? [];
  lines.push(`  plan: ${steps.length === 0 ? 'nothing to do' : ''}`.trimEnd());
  const targets = steps.map((s) => `${s.resourceType}${s.id ? `/${s.id}` : ''}`);
  const targetWidth = Math.max(0, ...targets.map((t) => t.length + 2));
  const keyWidth = Math.max(0, ...steps.map((s) => (s.key ?? '').length + 2));
  steps.forEach((step, i) => {
    lines.push(`    ${pad(step.action, 18)}${pad(targets[i], targetWidth)}${pad(step.key ?? '', keyWidth)}${step.why}`);
  });
  return lines;
}

/** The whole report as text, one section after another. */
export function formatPreviewText(report: MappingPreview & { dryRun?: DryRun }): string {
  const lines = [
    ...header(report),
    ...lookup(report),
    ...documentLines(report),
    ...observationLines(report),
    ...warningLines(report),
    ...unmappedLines(report),
    ...errorLines(report),
    ...(report.dryRun ? dryRunLines(report.dryRun) : []),
  ];
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}
