import fs from 'node:fs';
import path from 'node:path';
import { validateMapping } from '../../../../src/mapping/check/validate';
import type { MappingProblem } from '../../../../src/mapping/check/problems';

const fixture = (name: string): string => path.join(__dirname, '../../../fixtures/mappings', name);
const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
const repoFile = (...parts: string[]): string => path.join(__dirname, '../../../..', ...parts);

function messageAt(problems: MappingProblem[], at: string): string {
  const found = problems.filter((p) => p.path === at);
  expect(found).toHaveLength(1);
  return found[0].message;
}

describe('validateMapping', () => {
  it.each([
    ['mappings/default.json'],
    ['test/fixtures/mappings/minimal.json'],
    ...fs
      .readdirSync(repoFile('mappings/examples'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => [`mappings/examples/${f}`]),
  ])('accepts %s', (file) => {
    expect(validateMapping(readJson(repoFile(file)), file)).toEqual([]);
  });

  it('reports every problem of a file with many mistakes, each at its path', () => {
    const problems = validateMapping(readJson(fixture('invalid-many-errors.json')));
    expect(problems.map((p) => p.path)).toEqual([
      '$.triggers.events',
      '$.patient.system',
      '$.encounter.identifierName',
      '$.identifierSystem',
      '$.codes.lkw.code',
      '$.document.category[0]',
      '$.document.status',
      '$.document.title',
      '$.document.type',
      '$.observations[0].time',
      '$.observations[0].tme',
      '$.observations[1].key',
      '$.observations[1].time',
      '$.observations[2].category[0]',
      '$.observations[2].value.from',
    ]);
    expect(messageAt(problems, '$.observations[0].tme')).toBe("unknown field 'tme' — did you mean 'time'?");
    expect(messageAt(problems, '$.observations[0].time')).toMatch(
      /^missing required field 'time' \(FHIRPath over the channel JSON/,
    );
    expect(messageAt(problems, '$.document.status')).toBe("is 'draft' but must be current");
    expect(messageAt(problems, '$.observations[2].category[0]')).toBe(
      "'exm' is not a name in 'codes' — did you mean 'exam'?",
    );
    expect(messageAt(problems, '$.document.type')).toMatch(
      /'psr_note' is not a name in 'codes' — add it to 'codes', or use one of: psr, lkw, exam/,
    );
    expect(messageAt(problems, '$.observations[1].key')).toMatch(/already used by observations\[0\]/);
    expect(messageAt(problems, '$.observations[1].time')).toMatch(/not a valid FHIRPath expression/);
    expect(messageAt(problems, '$.patient.system')).toBe(
      'looks like a bare OID; write it as urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14',
    );
    expect(messageAt(problems, '$.encounter.identifierName')).toMatch(/'CSN' is not in triggers.identifierNames/);
    expect(messageAt(problems, '$.triggers.events')).toMatch(/also list 'patient_channel.identifier.created'/);
    expect(messageAt(problems, '$.identifierSystem')).toMatch(/must not end with '\/'/);
    expect(messageAt(problems, '$.observations[2].value.from')).toBe(
      "missing required field 'from' (needed with the type chosen here)",
    );
  });

  it('gives the line and column of a JSON syntax error when handed the text', () => {
    const problems = validateMapping(fs.readFileSync(fixture('invalid-json-missing-comma.json'), 'utf8'));
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('$');
    expect(problems[0].message).toMatch(/^not valid JSON at line 4, column 3: /);
  });

  it('reports a truncated file as ending early', () => {
    const [problem] = validateMapping('{\n  "name": "x",\n');
    expect(problem.message).toMatch(/line 3, column 1: .*the file ends early/);
  });

  it('reports a code name written twice, from the text, alongside the other problems', () => {
    const problems = validateMapping(fs.readFileSync(fixture('invalid-duplicate-code.json'), 'utf8'));
    expect(problems).toEqual([
      {
        path: '$.codes.ecg',
        message:
          "'ecg' is defined twice (lines 11 and 13); keep one — as written, only the last (line 13) is used and the others are silently ignored",
      },
      { path: '$.observations[1].code', message: "'ekg' is not a name in 'codes' — did you mean 'ecg'?" },
    ]);
  });

  it('accepts every shipped mapping as text too (no key written twice)', () => {
    for (const file of [
      'mappings/default.json',
      ...fs
        .readdirSync(repoFile('mappings/examples'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => `mappings/examples/${f}`),
    ]) {
      expect(validateMapping(fs.readFileSync(repoFile(file)), file)).toEqual([]);
    }
  });

  it('rejects a file that is not one object', () => {
    expect(validateMapping([], 'list.json')).toEqual([
      { path: '$', message: expect.stringMatching(/^list\.json must hold one JSON object/) },
    ]);
  });

  describe('single mistakes on the minimal mapping', () => {
    const minimal = (): Record<string, any> => readJson(fixture('minimal.json')); // eslint-disable-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary fields

    it('explains a wrong type in plain words', () => {
      const mapping = minimal();
      mapping.observations[0].category = 'exam';
      expect(validateMapping(mapping)).toEqual([
        { path: '$.observations[0].category', message: "must be a list in square brackets [ … ], not 'exam'" },
      ]);
    });

    it('flags an unknown FHIRPath function, which parsing alone accepts', () => {
      const mapping = minimal();
      mapping.observations[0].time = "timeline.whre(key='ed_arrival').time";
      expect(validateMapping(mapping)).toEqual([
        {
          path: '$.observations[0].time',
          message: "uses 'whre()', which is not a FHIRPath function — did you mean 'where()'?",
        },
      ]);
    });

    it('flags a code name that breaks the naming rule, with the rule', () => {
      const mapping = minimal();
      mapping.codes['last known well'] = mapping.codes.lkw;
      expect(validateMapping(mapping)).toEqual([
        {
          path: "$.codes['last known well']",
          message: expect.stringMatching(
            /^the name 'last known well' is not allowed: a code name starts with a letter/,
          ),
        },
      ]);
    });

    it('flags a system with spaces and one with a pipe', () => {
      const mapping = minimal();
      mapping.codes.lkw.system = 'https://hospital.example.org/code system';
      mapping.codes.exam.system = 'urn:oid:1.2|3';
      const problems = validateMapping(mapping);
      expect(messageAt(problems, '$.codes.lkw.system')).toBe('must not contain spaces');
      expect(messageAt(problems, '$.codes.exam.system')).toMatch(/must not contain '\|'/);
    });

    it("flags 'from' on a dateTime value", () => {
      const mapping = minimal();
      mapping.observations[0].value = { type: 'dateTime', from: 'created_at' };
      expect(validateMapping(mapping)).toEqual([
        {
          path: '$.observations[0].value.from',
          message:
            '\'from\' is used only with "type": "minutesSince" or "hoursSince", for an interval; remove it, or change the type',
        },
      ]);
    });

    it('flags the same identifier for patient and encounter', () => {
      const mapping = minimal();
      mapping.encounter = { identifierName: 'MRN', system: 'urn:oid:1.2.3.4' };
      const problems = validateMapping(mapping);
      expect(problems.map((p) => p.path)).toEqual(['$.encounter.identifierName', '$.encounter.system']);
    });

    it('orders observations numerically', () => {
      const mapping = minimal();
      for (let i = 0; i < 11; i++) {
        mapping.observations.push({ ...mapping.observations[0], key: `k${i}`, code: 'nope' });
      }
      const paths = validateMapping(mapping).map((p) => p.path);
      expect(paths[0]).toBe('$.observations[1].code');
      expect(paths[paths.length - 1]).toBe('$.observations[11].code');
    });
  });
});
