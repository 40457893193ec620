import type { Quantity } from '@medplum/fhirtypes';
import type { IntervalRounding, IntervalValue } from '../types';
import { toEpochMs } from './fhir-datetime';

const UCUM = 'http://unitsofmeasure.org';
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** The UCUM unit an interval type writes: minutesSince in `min`, hoursSince in `h`. */
export function intervalUnit(type: IntervalValue['type']): 'min' | 'h' {
  return type === 'hoursSince' ? 'h' : 'min';
}

/** Rounds to `places` decimals; never answers -0. */
function round(value: number, places: number): number {
  const factor = 10 ** places;
  const rounded = Math.round(value * factor) / factor;
  return rounded === 0 ? 0 : rounded;
}

/**
 * The length of an interval in its unit, rounded as the mapping says:
 * - `exact`: as measured to the second, minutes to one decimal (15.7), hours to two;
 * - `whole-minutes`: both times cut to the minute first, as registries abstract them
 *   (19:02:40 to 19:18:22 is 16 minutes), hours then to two decimals;
 * - `nearest`: the exact length rounded to the nearest whole minute or hour.
 */
export function intervalLength(
  from: string,
  to: string,
  unit: 'min' | 'h',
  rounding: IntervalRounding = 'exact',
): number {
  const unitMs = unit === 'h' ? HOUR_MS : MINUTE_MS;
  const exactMs = toEpochMs(to) - toEpochMs(from);
  switch (rounding) {
    case 'whole-minutes': {
      const minutes = Math.floor(toEpochMs(to) / MINUTE_MS) - Math.floor(toEpochMs(from) / MINUTE_MS);
      return unit === 'h' ? round(minutes / 60, 2) : round(minutes, 0);
    }
    case 'nearest':
      return round(exactMs / unitMs, 0);
    case 'exact':
      return round(exactMs / unitMs, unit === 'h' ? 2 : 1);
  }
}

/** An interval as an Observation value: a UCUM Quantity. */
export function intervalQuantity(value: number, unit: 'min' | 'h'): Quantity {
  return { value, unit, system: UCUM, code: unit };
}

/** Default expected range of an interval: 0 to 24 hours, in the interval's unit. */
export function expectedRange(interval: IntervalValue): { min: number; max: number } {
  const unit = intervalUnit(interval.type);
  return {
    min: interval.expectedRange?.min ?? 0,
    max: interval.expectedRange?.max ?? (unit === 'h' ? 24 : 24 * 60),
  };
}
