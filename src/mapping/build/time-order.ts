import type { PatientChannel } from '../../pulsara/types';
import { pulsaraCatalogue } from '../pulsara-catalogue';
import { isInstantLike, toEpochMs } from './fhir-datetime';
import { intervalLength } from './interval';
import { hasTimeWithoutOffset, inSiteZone, readAsSiteTime } from './time-zone';

/** Two set timeline times against their usual order (the catalogue's expectedOrder). */
export interface OutOfOrder {
  earlier: string;
  later: string;
  /** How many minutes the expected-later time comes before the expected-earlier one. */
  minutes: number;
  earlierTime: string;
  laterTime: string;
}

/** The channel's time for a key, as an instant, or undefined when not set or unreadable. */
function instantOf(channel: PatientChannel, key: string, timeZone: string | undefined): string | undefined {
  const time = (channel.timeline ?? []).find((entry) => entry.key === key && typeof entry.time === 'string')?.time;
  if (typeof time !== 'string') {
    return undefined;
  }
  if (hasTimeWithoutOffset(time)) {
    return timeZone === undefined ? undefined : readAsSiteTime(time, timeZone);
  }
  if (!isInstantLike(time)) {
    return undefined;
  }
  // As the Observations are written: in the site's offset when it has a zone.
  return timeZone === undefined ? time : inSiteZone(time, timeZone);
}

/**
 * Every pair of set times in the channel that breaks the catalogue's expected order (last
 * known well after the door, the bolus before the door…). Equal times are in order.
 */
export function outOfOrderTimes(channel: PatientChannel, timeZone: string | undefined): OutOfOrder[] {
  const found: OutOfOrder[] = [];
  for (const rule of pulsaraCatalogue().expectedOrder) {
    const earlierTime = instantOf(channel, rule.earlier, timeZone);
    const laterTime = instantOf(channel, rule.later, timeZone);
    if (earlierTime === undefined || laterTime === undefined || toEpochMs(laterTime) >= toEpochMs(earlierTime)) {
      continue;
    }
    found.push({
      earlier: rule.earlier,
      later: rule.later,
      minutes: intervalLength(laterTime, earlierTime, 'min', 'exact'),
      earlierTime,
      laterTime,
    });
  }
  return found;
}

/** The warning text of one pair: keys and minutes only, no dates. */
export function outOfOrderText(problem: OutOfOrder): string {
  return `the ${problem.earlier} time is ${problem.minutes} min after the ${problem.later} time, but is expected before it; check both times in Pulsara`;
}
