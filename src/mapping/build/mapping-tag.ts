import type { Coding, Meta } from '@medplum/fhirtypes';
import type { MappingFile } from '../types';

/** Suffix of the tag system naming the mapping a resource was made with. */
export const MAPPING_TAG_SUFFIX = '/mapping';

/**
 * The `meta.tag` that records which mapping made a resource: code = the mapping's version,
 * display = its name, under the bridge's identifier system (so a search by `_tag` finds
 * everything one version wrote). Whitespace runs are folded: a FHIR code allows single
 * spaces only, and the version is free text.
 */
export function mappingTag(mapping: Pick<MappingFile, 'identifierSystem' | 'name' | 'version'>): Coding {
  return {
    system: `${mapping.identifierSystem}${MAPPING_TAG_SUFFIX}`,
    code: mapping.version.trim().replace(/\s+/g, ' '),
    display: mapping.name.trim().replace(/\s+/g, ' '),
  };
}

export function mappingMeta(mapping: Pick<MappingFile, 'identifierSystem' | 'name' | 'version'>): Meta {
  return { tag: [mappingTag(mapping)] };
}
