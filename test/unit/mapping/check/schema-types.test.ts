import type { Coding } from '@medplum/fhirtypes';
import { readMappingSchema } from '../../../../src/mapping/check/schema-validator';
import type { DocumentMapping, IntervalValue, MappingFile, ObservationMapping } from '../../../../src/mapping/types';

/*
 * Keeps mapping.schema.json and src/mapping/types.ts in step: each record below must name
 * every field of its TypeScript type (the compiler enforces that), and the test checks
 * the schema declares exactly those fields.
 */
const fileFields: Record<keyof MappingFile, true> = {
  $schema: true,
  name: true,
  version: true,
  triggers: true,
  patient: true,
  encounter: true,
  identifierSystem: true,
  timeZone: true,
  codes: true,
  document: true,
  observations: true,
};
const triggerFields: Record<keyof MappingFile['triggers'], true> = { events: true, identifierNames: true };
const patientFields: Record<keyof MappingFile['patient'], true> = { identifierName: true, system: true };
const encounterFields: Record<keyof NonNullable<MappingFile['encounter']>, true> = {
  identifierName: true,
  system: true,
  required: true,
};
const documentFields: Record<keyof DocumentMapping, true> = {
  type: true,
  category: true,
  title: true,
  status: true,
  docStatus: true,
  periodStart: true,
  periodEnd: true,
  custodian: true,
  description: true,
  patientTypes: true,
  when: true,
};
const observationFields: Record<keyof ObservationMapping, true> = {
  key: true,
  code: true,
  category: true,
  time: true,
  value: true,
  effective: true,
  status: true,
  onRemoved: true,
  patientTypes: true,
  when: true,
  onNotApplicable: true,
  customTimelineKeys: true,
  onImplausible: true,
};

const intervalFields: Record<keyof IntervalValue, true> = {
  type: true,
  from: true,
  rounding: true,
  expectedRange: true,
};

interface Node {
  properties: Record<string, Node>;
  required?: string[];
  definitions: Record<string, Node>;
}

const schema = readMappingSchema() as unknown as Node;
const keys = (node: Node): string[] => Object.keys(node.properties).sort();

describe('mapping.schema.json matches src/mapping/types.ts', () => {
  it.each([
    ['the file', schema, fileFields],
    ['triggers', schema.properties.triggers, triggerFields],
    ['patient', schema.properties.patient, patientFields],
    ['encounter', schema.properties.encounter, encounterFields],
    ['document', schema.properties.document, documentFields],
    ['an observation', schema.definitions.observation, observationFields],
    ['an interval value', schema.definitions.observation.properties.value, intervalFields],
  ])('declares the fields of %s', (_label, node, fields) => {
    expect(keys(node)).toEqual(Object.keys(fields).sort());
  });

  it('allows only Coding fields in codes, and requires system and code', () => {
    const codingFields: Record<'system' | 'code' | 'display' | 'version', keyof Coding> = {
      system: 'system',
      code: 'code',
      display: 'display',
      version: 'version',
    };
    expect(keys(schema.definitions.coding)).toEqual(Object.keys(codingFields).sort());
    expect(schema.definitions.coding.required).toEqual(['system', 'code']);
  });

  it('requires what the types require', () => {
    expect(schema.required?.sort()).toEqual([
      'codes',
      'identifierSystem',
      'name',
      'observations',
      'patient',
      'triggers',
      'version',
    ]);
    expect(schema.properties.document.required?.sort()).toEqual(['category', 'title', 'type']);
    expect(schema.definitions.observation.required?.sort()).toEqual(['category', 'code', 'key', 'time']);
  });
});
