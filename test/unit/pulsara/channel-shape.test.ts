import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkChannelShape } from '../../../src/pulsara/channel-shape';

const FIXTURES = join(__dirname, '../../fixtures/channels');

function messageOf(value: unknown, id = 'pc_1'): string {
  try {
    checkChannelShape(value, id);
  } catch (err) {
    expect(err).toMatchObject({ code: 'pulsara-bad-response', schedule: 'none' });
    return (err as Error).message;
  }
  throw new Error('expected a shape error');
}

describe('checkChannelShape', () => {
  it.each(readdirSync(FIXTURES).filter((name) => name.endsWith('.json')))('accepts the saved channel %s', (name) => {
    const channel = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as { id: string };
    expect(checkChannelShape(channel, channel.id)).toBe(channel);
  });

  it('keeps extra fields and accepts a channel without a timeline', () => {
    const channel = { id: 'pc_1', identifiers: [], custom: { x: 1 } };
    expect(checkChannelShape(channel, 'pc_1')).toEqual(channel);
  });

  it.each([
    [[], 'not a JSON object'],
    [{ identifiers: [] }, 'no id'],
    [{ id: 'pc_2', identifiers: [] }, 'another channel'],
    [{ id: 'pc_1' }, 'identifiers is not an array'],
    [{ id: 'pc_1', identifiers: { MRN: 'x' } }, 'identifiers is not an array'],
    [{ id: 'pc_1', identifiers: [{ id: 'cid_1' }] }, 'identifiers[0] has no name'],
    [{ id: 'pc_1', identifiers: [], timeline: {} }, 'timeline is not an array'],
    [{ id: 'pc_1', identifiers: [], timeline: [{ time: null }] }, 'timeline[0] has no key'],
    [{ id: 'pc_1', identifiers: [], timeline: [{ key: 'ed_arrival', time: 1764097391 }] }, 'timeline[0].time'],
  ])('rejects %j (%s)', (value, expected) => {
    expect(messageOf(value)).toContain(expected);
  });

  it('does not put identifier values in the message', () => {
    expect(messageOf({ id: 'pc_1', identifiers: [{ id: 'cid_1', value: 'E4410982' }] })).not.toContain('E4410982');
  });
});
