import fs from 'node:fs';
import path from 'node:path';
import { validateMapping } from '../../../../src/mapping/check/validate';

/*
 * One broken fixture per check of `mapping validate` (test/fixtures/mappings/broken/), each
 * with exactly the problems, paths and words its author must see. Each fixture is the
 * minimal mapping with one mistake; its name says which.
 */
const dir = path.join(__dirname, '../../../fixtures/mappings/broken');

const expected: [string, [string, string][]][] = [
  [
    'bad-code-name',
    [
      [
        "$.codes['last known well']",
        "the name 'last known well' is not allowed: a code name starts with a letter and uses only letters, digits, '_' and '-'",
      ],
    ],
  ],
  [
    'bad-key',
    [
      [
        '$.observations[0].key',
        "'last known well' is not allowed: a key uses only letters, digits, '_' and '-' (at most 64)",
      ],
    ],
  ],
  [
    'bare-oid',
    [['$.patient.system', 'looks like a bare OID; write it as urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14']],
  ],
  [
    'condition-stops-early',
    [
      [
        '$.observations[0].when',
        "is not a valid FHIRPath expression: it stops too early (near '…of_arrival = '); something is missing at the end, such as the value after '=' or '+'; a time is usually written timeline.where(key='ed_arrival').time",
      ],
    ],
  ],
  [
    'custom-key-is-pulsara',
    [
      [
        '$.observations[0].customTimelineKeys[0]',
        "'last_known_well' is one of Pulsara's own timeline keys, not your organisation's; remove it from customTimelineKeys",
      ],
    ],
  ],
  [
    'custom-key-not-declared',
    [
      [
        '$.observations[0].time',
        "reads the timeline key 'org_neuro_consult', which is not one of Pulsara's (see the list in docs/mapping-guide.md). If it is an item your organisation added in Pulsara, list it in this entry's \"customTimelineKeys\".",
      ],
    ],
  ],
  [
    'custom-key-unused',
    [
      [
        '$.observations[0].customTimelineKeys[0]',
        "'org_neuro_consult' is not read by this entry's time, value.from, effective or when; remove it, or check the key's spelling there",
      ],
    ],
  ],
  [
    'document-patient-type-typo',
    [['$.document.patientTypes[0]', "'stemmi' is not a Pulsara patient type — did you mean 'stemi'?"]],
  ],
  [
    'document-reads-unknown-key',
    [
      [
        '$.document.periodStart',
        "reads the timeline key 'arival', which is not one of Pulsara's (see the list in docs/mapping-guide.md).",
      ],
    ],
  ],
  [
    'duplicate-observation-key',
    [
      [
        '$.observations[1].key',
        "key 'lkw' is already used by observations[0]; every key must be unique (it names the Observation in the EHR)",
      ],
    ],
  ],
  ['empty-list', [['$.observations[0].category', 'must list at least 1 item']]],
  ['empty-name', [['$.name', 'must not be empty']]],
  ['expected-range-reversed', [['$.observations[0].value.expectedRange', 'min (180) is above max (0); swap them']]],
  [
    'from-on-datetime',
    [
      [
        '$.observations[0].value.from',
        '\'from\' is used only with "type": "minutesSince" or "hoursSince", for an interval; remove it, or change the type',
      ],
    ],
  ],
  [
    'hours-interval-without-from',
    [['$.observations[0].value.from', "missing required field 'from' (needed with the type chosen here)"]],
  ],
  [
    'identifier-not-a-trigger',
    [
      [
        '$.patient.identifierName',
        "'Medical Record Number' is not in triggers.identifierNames — add it there, or entering the MRN in Pulsara will not start a delivery (identifier names allowed here: 'MRN')",
      ],
    ],
  ],
  [
    'interval-with-unit',
    [
      [
        '$.observations[0].value.unit',
        "the unit is not set here: it follows the type, minutesSince writes minutes (UCUM 'min') and hoursSince writes hours (UCUM 'h'); remove 'unit'",
      ],
    ],
  ],
  [
    'invalid-oid',
    [
      [
        '$.patient.system',
        'has an invalid OID after urn:oid: (numbers separated by dots, e.g. urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14)',
      ],
    ],
  ],
  [
    'key-of-another-programme',
    [
      [
        '$.observations[0].time',
        "reads 'last_known_well', a stroke timeline key, but the entry applies to stemi channels only, which do not carry it: add 'stroke' to patientTypes, or read another key",
      ],
    ],
  ],
  [
    'missing-required-field',
    [
      [
        '$.observations[0].time',
        "missing required field 'time' (FHIRPath over the channel JSON giving the time, e.g. timeline.where(key='last_known_well').time)",
      ],
    ],
  ],
  [
    'misspelt-field',
    [
      [
        '$.observations[0].time',
        "missing required field 'time' (FHIRPath over the channel JSON giving the time, e.g. timeline.where(key='last_known_well').time)",
      ],
      ['$.observations[0].tme', "unknown field 'tme' — did you mean 'time'?"],
    ],
  ],
  [
    'misspelt-timeline-key',
    [
      [
        '$.observations[0].time',
        "reads the timeline key 'ct_compelte', which is not one of Pulsara's — did you mean 'ct_complete'? If it is an item your organisation added in Pulsara, list it in this entry's \"customTimelineKeys\".",
      ],
    ],
  ],
  [
    'misspelt-value',
    [
      [
        '$.observations[0].status',
        "is 'finale' but must be one of final, preliminary, amended — did you mean 'final'?",
      ],
    ],
  ],
  [
    'not-an-object',
    [
      [
        '$',
        'not-an-object.json must hold one JSON object { … } with name, version, triggers, patient, identifierSystem, codes and observations',
      ],
    ],
  ],
  [
    'on-not-applicable-without-condition',
    [
      [
        '$.observations[0].onNotApplicable',
        'has no effect: this entry has no patientTypes or when, so it always applies; remove it, or add a condition',
      ],
    ],
  ],
  [
    'one-identifier-event',
    [
      [
        '$.triggers.events',
        "also list 'patient_channel.identifier.created': Pulsara fires only '.created' when a channel is made with the identifier already filled in, and only '.updated' when it is typed in later",
      ],
    ],
  ],
  [
    'patient-type-compared-in-capitals',
    [
      [
        '$.observations[0].when',
        'compares patient_type with \'STEMI\', which never matches: Pulsara sends patient types in lower case (\'stemi\'); use "patientTypes": ["stemi"] on the entry instead, which ignores case',
      ],
    ],
  ],
  [
    'patient-type-typo',
    [['$.observations[0].patientTypes[0]', "'strok' is not a Pulsara patient type — did you mean 'stroke'?"]],
  ],
  [
    'patient-type-unknown',
    [
      [
        '$.observations[0].patientTypes[0]',
        "'cardiology' is not a Pulsara patient type; Pulsara's types are stroke, stemi, trauma, sepsis, cardiac_arrest, medical, obstetric, pediatric, behavioral_health, general",
      ],
    ],
  ],
  ['repeated-item', [['$.triggers.identifierNames[1]', 'repeats item 0 of the same list; remove one of them']]],
  [
    'rounding-on-datetime',
    [
      [
        '$.observations[0].value.rounding',
        '\'rounding\' is used only with "type": "minutesSince" or "hoursSince", for an interval; remove it, or change the type',
      ],
    ],
  ],
  [
    'same-identifier-for-visit',
    [
      [
        '$.encounter.identifierName',
        'is the same identifier as patient.identifierName; the visit number (CSN/FIN) is a different Pulsara identifier from the MRN',
      ],
      [
        '$.encounter.system',
        'is the same system as patient.system; the EHR gives MRNs and visit numbers different identifier systems',
      ],
    ],
  ],
  ['system-not-a-uri', [['$.codes.lkw.system', 'must be a URI such as http://loinc.org or urn:oid:1.2.840.114350…']]],
  [
    'system-with-pipe',
    [['$.codes.lkw.system', "must not contain '|' (FHIR searches use it to separate system and value)"]],
  ],
  ['system-with-space', [['$.codes.lkw.system', 'must not contain spaces']]],
  [
    'time-zone-abbreviation',
    [
      [
        '$.timeZone',
        "'CST' is an abbreviation, not a time zone name: write the IANA name of your site's zone, e.g. America/Chicago or America/New_York, so that daylight saving time is followed",
      ],
    ],
  ],
  ['time-zone-typo', [['$.timeZone', "'America/Chicagoo' is not an IANA time zone — did you mean 'America/Chicago'?"]]],
  [
    'time-zone-unknown',
    [
      [
        '$.timeZone',
        "'Mars/Olympus_Mons' is not an IANA time zone; write your site's, e.g. America/Chicago, America/New_York or America/Los_Angeles",
      ],
    ],
  ],
  [
    'trailing-slash',
    [['$.identifierSystem', "must not end with '/': the bridge appends /psr, /psr-version and /timeline to it"]],
  ],
  [
    'unclosed-bracket',
    [
      [
        '$.observations[0].time',
        "is not a valid FHIRPath expression: the '(' at column 15 (near '…meline.where(key='last_k…') is never closed",
      ],
    ],
  ],
  ['unknown-code-name', [['$.observations[0].code', "'lwk' is not a name in 'codes' — did you mean 'lkw'?"]]],
  [
    'unknown-function',
    [['$.observations[0].time', "uses 'frist()', which is not a FHIRPath function — did you mean 'first()'?"]],
  ],
  [
    'unknown-interval-type',
    [['$.observations[0].value.type', "is 'daysSince' but must be one of dateTime, minutesSince, hoursSince"]],
  ],
  [
    'unknown-rounding',
    [
      [
        '$.observations[0].value.rounding',
        "is 'whole-minute' but must be one of exact, whole-minutes, nearest — did you mean 'whole-minutes'?",
      ],
    ],
  ],
  [
    'unknown-timeline-key',
    [
      [
        '$.observations[0].time',
        "reads the timeline key 'door', which is not one of Pulsara's — did you mean 'ed_arrival'? If it is an item your organisation added in Pulsara, list it in this entry's \"customTimelineKeys\".",
      ],
    ],
  ],
  ['wrong-type', [['$.observations[0].category', "must be a list in square brackets [ … ], not 'exam'"]]],
];

describe('each validate check on its broken fixture', () => {
  it('has a fixture for every case and a case for every fixture', () => {
    const files = fs.readdirSync(dir).map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual(expected.map(([name]) => name).sort());
  });

  it.each(expected)('%s', (name, problems) => {
    const file = `${name}.json`;
    const found = validateMapping(fs.readFileSync(path.join(dir, file), 'utf8'), file);
    expect(found.map((p) => [p.path, p.message])).toEqual(problems);
  });
});
