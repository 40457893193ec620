import {
  hasTimeWithoutOffset,
  inSiteZone,
  isSiteTimeZone,
  localTimeText,
  readAsSiteTime,
} from '../../../../src/mapping/build/time-zone';

describe('site time zone', () => {
  it('accepts IANA place names and UTC, refuses abbreviations and unknown names', () => {
    expect(isSiteTimeZone('America/Chicago')).toBe(true);
    expect(isSiteTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isSiteTimeZone('UTC')).toBe(true);
    expect(isSiteTimeZone('CST')).toBe(false);
    expect(isSiteTimeZone('EST')).toBe(false);
    expect(isSiteTimeZone('America/Chicagoo')).toBe(false);
  });

  it('writes an instant in the offset the site had at that moment, keeping the instant', () => {
    expect(inSiteZone('2026-11-25T19:02:40Z', 'America/Chicago')).toBe('2026-11-25T13:02:40-06:00');
    expect(inSiteZone('2026-07-04T19:02:40Z', 'America/Chicago')).toBe('2026-07-04T14:02:40-05:00');
    expect(inSiteZone('2026-11-25T13:02:40-06:00', 'America/Chicago')).toBe('2026-11-25T13:02:40-06:00');
    expect(inSiteZone('2026-11-25T19:02:40.250Z', 'America/Chicago')).toBe('2026-11-25T13:02:40.250-06:00');
    expect(inSiteZone('2026-11-25T13:02:40-06:00', 'UTC')).toBe('2026-11-25T19:02:40Z');
    expect(Date.parse(inSiteZone('2026-11-25T19:02:40Z', 'Asia/Kolkata'))).toBe(Date.parse('2026-11-25T19:02:40Z'));
  });

  it('leaves partial dates alone', () => {
    expect(inSiteZone('2026-11-25', 'America/Chicago')).toBe('2026-11-25');
  });

  it('reads a time without an offset as local wall-clock time, moving one in the spring-forward gap on', () => {
    expect(hasTimeWithoutOffset('2026-11-25T13:02:40')).toBe(true);
    expect(hasTimeWithoutOffset('2026-11-25T13:02:40Z')).toBe(false);
    expect(readAsSiteTime('2026-11-25T13:02:40', 'America/Chicago')).toBe('2026-11-25T13:02:40-06:00');
    expect(readAsSiteTime('2026-03-08T02:30:00', 'America/Chicago')).toBe('2026-03-08T03:30:00-05:00');
  });

  it('shows times for people in the site zone, or in their own offset without one', () => {
    expect(localTimeText('2026-11-25T19:02:40Z', 'America/Chicago')).toBe('2026-11-25 13:02:40 CST');
    expect(localTimeText('2026-11-25T13:02:40-06:00')).toBe('2026-11-25 13:02:40 -06:00');
    expect(localTimeText('2026-11-25')).toBe('2026-11-25');
  });
});
