import type { Clock } from '../../../src/store/clock';

/** A store clock that moves only when a test says so. */
export class FakeClock {
  private ms: number;

  constructor(start: Date) {
    this.ms = start.getTime();
  }

  /** The Clock to hand to a store. */
  readonly now: Clock = () => new Date(this.ms);

  /** Moves time forward by `ms` and returns the new now. */
  advance(ms: number): Date {
    this.ms += ms;
    return this.now();
  }

  /** `ms` after the current time, without moving. */
  in(ms: number): Date {
    return new Date(this.ms + ms);
  }
}
