import { parseStatusFilter } from '../../../src/store/status-filter';
import { BridgeError } from '../../../src/shared/errors';

describe('parseStatusFilter', () => {
  it('reads comma-separated and repeated values', () => {
    expect(parseStatusFilter(['dead,retrying', 'pending'])).toEqual(['dead', 'retrying', 'pending']);
    expect(parseStatusFilter([' dead , '])).toEqual(['dead']);
  });

  it('is undefined when no status is given', () => {
    expect(parseStatusFilter([])).toBeUndefined();
    expect(parseStatusFilter([''])).toBeUndefined();
  });

  it('names the unknown statuses and the valid ones', () => {
    expect(() => parseStatusFilter(['dead,bogus'])).toThrow(BridgeError);
    expect(() => parseStatusFilter(['bogus'])).toThrow(/unknown status bogus; use one of pending, processing/);
  });
});
