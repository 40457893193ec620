import { scopesPermit, systemScopes } from '../../../../src/tools/sandbox/smart/scopes';

describe('SMART system scopes', () => {
  it('keeps only system/ scopes in v1 or v2 syntax', () => {
    expect(
      systemScopes('system/Patient.rs user/Patient.read system/*.read launch system/Observation.write system/X.zz'),
    ).toEqual(['system/Patient.rs', 'system/*.read', 'system/Observation.write']);
  });

  it.each([
    [['system/DocumentReference.cu'], 'DocumentReference', 'create', true],
    [['system/DocumentReference.cu'], 'DocumentReference', 'search', false],
    [['system/DocumentReference.crus'], 'DocumentReference', 'search', true],
    [['system/Observation.write'], 'Observation', 'update', true],
    [['system/Observation.write'], 'Observation', 'read', false],
    [['system/*.read'], 'Encounter', 'search', true],
    [['system/*.read'], 'Encounter', 'create', false],
    [['system/Patient.*'], 'Patient', 'delete', true],
    [['system/Patient.rs'], 'Encounter', 'read', false],
  ] as const)('%j allows %s %s: %s', (granted, type, interaction, allowed) => {
    expect(scopesPermit(granted, type, interaction)).toBe(allowed);
  });
});
