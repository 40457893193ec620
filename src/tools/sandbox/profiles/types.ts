/**
 * The shape of a vendor profile: what an EHR accepts for writes, written down as data.
 *
 * The sandbox's epic and oracle profiles are independent witnesses of those EHRs' rules
 * (from their public documentation, see the comments in each profile); they must not be
 * derived from the bridge's own dialects, or a test against them would prove nothing.
 */

/** Names accepted by `sandbox --profile` and `startSandbox({ profile })`. */
export type SandboxProfileName = 'generic' | 'epic' | 'oracle';
export const SANDBOX_PROFILES: readonly SandboxProfileName[] = ['generic', 'epic', 'oracle'];

/** A REST interaction on one resource type. */
export type Interaction = 'read' | 'search' | 'create' | 'update' | 'patch' | 'delete';

/**
 * One check on a resource being written (`when`: `rules` apply only when the FHIRPath
 * `condition` is true). `path` is FHIRPath on the resource (evaluated
 * with @medplum/core); `message` is what the vendor answers; the refusal points at
 * `element` when given, else at `path`.
 */
export type ContentRule = ElementRule | { check: 'when'; condition: string; rules: readonly ContentRule[] };

/** A rule on the elements at a path; `element` names them in the refusal when the path is a filter. */
export type ElementRule = { element?: string } &
  /** At least one value at `path`. */
  (
    | { check: 'required'; path: string; message: string }
    /** Between `min` and `max` values at `path`. */
    | { check: 'count'; path: string; min?: number; max?: number; message: string }
    /** Every value at `path` is one of `values` (nothing there passes; pair with `required`). */
    | { check: 'one-of'; path: string; values: readonly string[]; message: string }
    /** Every string at `path` matches `pattern`. */
    | { check: 'pattern'; path: string; pattern: RegExp; message: string }
    /** The choice element `element[x]` is present in exactly one of the `allowed` types (e.g. `Quantity`). */
    | { check: 'choice'; element: string; allowed: readonly string[]; required: boolean; message: string }
    /** Every reference at `path` points at one of `types`. */
    | { check: 'reference-type'; path: string; types: readonly string[]; message: string }
    /** Every reference at `path` is an existing Encounter of the resource's subject (and still open, if `open`). */
    | { check: 'encounter-of-subject'; path: string; open?: boolean; message: string }
  );

/**
 * A second resource with the same key is refused (Epic's flowsheet rows take one reading
 * per instant). Key parts are FHIRPath; date-times are compared as instants.
 */
export interface DuplicateRule {
  key: readonly string[];
  status: number;
  /** The vendor's error code for it (Epic: 59189). */
  vendorCode: string;
  message: string;
}

export interface ResourceRules {
  interactions: readonly Interaction[];
  search?: {
    /** Parameters the vendor honours; anything else follows `unknownSearchParameter`. */
    parameters: readonly string[];
    /** At least one of these must be given. */
    requireOneOf?: readonly string[];
  };
  /** Checks on create (and update, when allowed). */
  write?: {
    rules: readonly ContentRule[];
    /** Array elements of which the vendor keeps only the first item (Epic: `content`). */
    keepFirst?: readonly string[];
    duplicate?: DuplicateRule;
  };
  /** Update needs `If-Match` with the current version (Oracle). */
  updateNeedsIfMatch?: boolean;
}

/** How the vendor's error answers look (OperationOutcome shape and status codes). */
export type RefusalStyle = 'epic' | 'oracle';

export interface VendorProfile {
  name: Exclude<SandboxProfileName, 'generic'>;
  /** One line for the sandbox banner. */
  title: string;
  refusalStyle: RefusalStyle;
  /** HTTP status of a refused write whose content breaks a rule. */
  contentRefusalStatus: number;
  /** POST of a transaction or batch Bundle to the base. */
  bundles: 'refuse';
  /** `If-None-Exist` on a create: both vendors create anyway. */
  conditionalCreate: 'ignore';
  /** What a successful create answers with. */
  createAnswer: {
    /** `prefer`: the resource only with `Prefer: return=representation`, else empty. */
    body: 'empty' | 'prefer';
    location: 'relative' | 'absolute';
  };
  /** A search parameter the vendor does not know: dropped with a warning, or a 400. */
  unknownSearchParameter: 'ignore-with-warning' | 'refuse';
  /** Epic adds a warning OperationOutcome entry to an empty searchset. */
  warnOnEmptySearch: boolean;
  /** Interactions on resource types that `resources` does not list. */
  otherResourceTypes: readonly Interaction[];
  resources: Readonly<Record<string, ResourceRules>>;
}
