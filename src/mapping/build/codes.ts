import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import { BridgeError } from '../../shared/errors';
import type { MappingFile } from '../types';

/**
 * Looks up a named coding in the mapping's code table. A validated mapping always has it;
 * the check guards mappings built in code without validation.
 */
export function codeableConcept(mapping: MappingFile, name: string, where: string): CodeableConcept {
  const coding: Coding | undefined = Object.prototype.hasOwnProperty.call(mapping.codes, name)
    ? mapping.codes[name]
    : undefined;
  if (!coding) {
    throw new BridgeError('mapping-invalid-resource', `Mapping entry ${where}: '${name}' is not a name in 'codes'`);
  }
  // A copy, so that resources never share objects with the frozen mapping.
  return { coding: [{ ...coding }] };
}
