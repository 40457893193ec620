import { intervalLength, expectedRange } from '../../../../src/mapping/build/interval';

describe('intervalLength', () => {
  // Door 19:02:40, CT 19:18:22: 15.7 min as measured, 16 as registries abstract (19:02 to 19:18).
  const door = '2026-11-25T19:02:40Z';
  const ct = '2026-11-25T13:18:22-06:00';

  it.each([
    ['exact', 'min', 15.7],
    ['whole-minutes', 'min', 16],
    ['nearest', 'min', 16],
    ['exact', 'h', 0.26],
    ['whole-minutes', 'h', 0.27],
    ['nearest', 'h', 0],
  ] as const)('%s in %s', (rounding, unit, value) => {
    expect(intervalLength(door, ct, unit, rounding)).toBe(value);
  });

  it('cuts both times to the minute before subtracting, so whole minutes can differ from rounding', () => {
    // 19:02:59 to 19:03:01 is 2 seconds, but the minutes differ: 1 whole minute, 0 to the nearest.
    expect(intervalLength('2026-11-25T19:02:59Z', '2026-11-25T19:03:01Z', 'min', 'whole-minutes')).toBe(1);
    expect(intervalLength('2026-11-25T19:02:59Z', '2026-11-25T19:03:01Z', 'min', 'nearest')).toBe(0);
  });

  it('is negative when the end is before the start, and never -0', () => {
    expect(intervalLength(door, '2026-11-25T18:50:20Z', 'min', 'whole-minutes')).toBe(-12);
    expect(intervalLength(door, '2026-11-25T18:50:20Z', 'min', 'exact')).toBe(-12.3);
    expect(Object.is(intervalLength(door, '2026-11-25T19:02:30Z', 'min', 'nearest'), 0)).toBe(true);
  });

  it('defaults to exact', () => {
    expect(intervalLength(door, ct, 'min')).toBe(15.7);
  });
});

describe('expectedRange', () => {
  it('is 0 to 24 hours in the unit of the interval unless the entry says otherwise', () => {
    expect(expectedRange({ type: 'minutesSince', from: 'x' })).toEqual({ min: 0, max: 1440 });
    expect(expectedRange({ type: 'hoursSince', from: 'x' })).toEqual({ min: 0, max: 24 });
    expect(expectedRange({ type: 'minutesSince', from: 'x', expectedRange: { max: 60 } })).toEqual({ min: 0, max: 60 });
  });
});
