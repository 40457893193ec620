import fs from 'node:fs';
import path from 'node:path';
import { findPatientType, pulsaraCatalogue } from '../../../src/mapping/pulsara-catalogue';
import { readMappingSchema } from '../../../src/mapping/check/schema-validator';

/*
 * mappings/pulsara-catalogue.json is the one list of Pulsara's patient types and timeline
 * keys. The schema (for completion), docs/pulsara-api.md and the mapping guide must list
 * exactly the same, so that an editor, the validator and a reader never disagree.
 */
const repo = path.join(__dirname, '../../..');
const catalogue = pulsaraCatalogue();
const keys = catalogue.timelineKeys.map((k) => k.key);
const types = catalogue.patientTypes.map((t) => t.code);

/** Backticked words in the rows of the markdown table that follows `heading`. */
function tableKeys(markdown: string, firstColumn: RegExp): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length >= 4 && firstColumn.test(cells[1])) {
      rows.set(
        cells[1],
        [...cells[2].matchAll(/`([a-z_]+)`/g)].map((m) => m[1]),
      );
    }
  }
  return rows;
}

describe('the Pulsara catalogue', () => {
  it('has unique keys and types, programmes that are patient types, and orders over known keys', () => {
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(types).size).toBe(types.length);
    for (const key of catalogue.timelineKeys) {
      expect(key.programme === 'all' || types.includes(key.programme)).toBe(true);
    }
    for (const rule of catalogue.expectedOrder) {
      expect(keys).toContain(rule.earlier);
      expect(keys).toContain(rule.later);
    }
  });

  it('finds patient types in any case', () => {
    expect(findPatientType('STEMI')?.code).toBe('stemi');
    expect(findPatientType(' Stroke ')?.code).toBe('stroke');
    expect(findPatientType('cardiology')).toBeUndefined();
  });

  it('is what the schema offers for completion', () => {
    const schema = readMappingSchema() as {
      definitions: {
        patientTypes: { items: { examples: string[] } };
        observation: {
          properties: { time: { examples: string[] }; value: { properties: { from: { examples: string[] } } } };
        };
      };
    };
    const timeExamples = keys.map((k) => `timeline.where(key='${k}').time`);
    expect(schema.definitions.patientTypes.items.examples).toEqual(types);
    expect(schema.definitions.observation.properties.time.examples).toEqual(timeExamples);
    expect(schema.definitions.observation.properties.value.properties.from.examples).toEqual(timeExamples);
  });

  it.each(['docs/pulsara-api.md', 'docs/mapping-guide.md'])('is what %s lists', (file) => {
    const markdown = fs.readFileSync(path.join(repo, file), 'utf8');
    const rows = tableKeys(markdown, /^(all|every channel|stroke|stemi|trauma|sepsis|cardiac_arrest)$/);
    const listed = [...rows.values()].flat();
    expect(listed.sort()).toEqual([...keys].sort());
    for (const [programme, rowKeys] of rows) {
      const name = programme === 'every channel' ? 'all' : programme;
      expect(rowKeys.sort()).toEqual(
        catalogue.timelineKeys
          .filter((k) => k.programme === name)
          .map((k) => k.key)
          .sort(),
      );
    }
    for (const type of types) {
      expect(markdown).toContain(`\`${type}\``);
    }
  });
});
