/**
 * Everything the simulator remembers: its channels, the faults queued by tests, summary
 * overrides, and a log of the API requests it received. Plain in-memory data; the HTTP
 * layers (api-routes.ts, admin-routes.ts) read and change it.
 */
import type { PatientChannel } from '../../pulsara/types';
import { seedChannels } from './seed-channels';

/** Which API route a fault applies to; absent means any API route. */
export type FaultPath = 'channel' | 'summary';

/** A queued fault: the next `remaining` matching API calls misbehave. */
export interface FaultRule {
  path?: FaultPath;
  /** Status to answer with; absent means "answer normally, only late" (with delayMs). */
  status?: number;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  /** Wait this long before answering (to trigger client timeouts). */
  delayMs?: number;
  remaining: number;
}

/** Replaces the generated PSR of one channel with other bytes. */
export type SummaryOverride =
  /** Serve these bytes with this content type (e.g. an HTML error page). */
  | { kind: 'bytes'; contentType: string; body: Buffer }
  /** Stream `bytes` bytes that start like a PDF, without ever holding them in memory. */
  | { kind: 'oversized'; contentType: string; bytes: number; sendContentLength: boolean };

/** One API request as received (never the token or any body). */
export interface RequestRecord {
  method: string;
  path: string;
  accept: string | null;
  status: number;
  at: string;
}

const MAX_LOGGED_REQUESTS = 1000;

export class SimulatorState {
  readonly channels = new Map<string, PatientChannel>();
  faults: FaultRule[] = [];
  readonly summaryOverrides = new Map<string, SummaryOverride>();
  requests: RequestRecord[] = [];

  constructor(private readonly initialChannels: () => PatientChannel[] = seedChannels) {
    this.reset();
  }

  /** Back to the seeded channels, no faults, no overrides, an empty request log. */
  reset(): void {
    this.channels.clear();
    for (const channel of this.initialChannels()) {
      this.channels.set(channel.id, channel);
    }
    this.faults = [];
    this.summaryOverrides.clear();
    this.requests = [];
  }

  putChannel(channel: PatientChannel): void {
    this.channels.set(channel.id, channel);
  }

  addFault(rule: FaultRule): void {
    this.faults.push(rule);
  }

  /** Consumes and returns the first queued fault that applies to `path`, if any. */
  takeFault(path: FaultPath): FaultRule | undefined {
    const index = this.faults.findIndex(
      (rule) => rule.remaining > 0 && (rule.path === undefined || rule.path === path),
    );
    if (index < 0) {
      return undefined;
    }
    const rule = this.faults[index];
    rule.remaining -= 1;
    if (rule.remaining <= 0) {
      this.faults.splice(index, 1);
    }
    return rule;
  }

  recordRequest(record: RequestRecord): void {
    this.requests.push(record);
    if (this.requests.length > MAX_LOGGED_REQUESTS) {
      this.requests.splice(0, this.requests.length - MAX_LOGGED_REQUESTS);
    }
  }
}
