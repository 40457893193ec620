import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedChannels, STEMI_CHANNEL_ID, STROKE_CHANNEL_ID } from '../../../../src/tools/simulator/seed-channels';
import { SimulatorState } from '../../../../src/tools/simulator/simulator-state';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(__dirname, '../../../fixtures/channels', name), 'utf8'));
}

describe('seed channels', () => {
  it('seeds the contract sample stroke channel exactly as the saved fixture, key order included', () => {
    const [stroke] = seedChannels();
    expect(stroke.id).toBe(STROKE_CHANNEL_ID);
    expect(JSON.stringify(stroke)).toBe(JSON.stringify(fixture('stroke-ct-pending.json')));
  });

  it('seeds the STEMI channel as the saved fixture', () => {
    const stemi = seedChannels().find((channel) => channel.id === STEMI_CHANNEL_ID);
    expect(stemi).toEqual(fixture('stemi.json'));
  });

  it('hands out copies, so a test changing one cannot change the seed', () => {
    seedChannels()[0].timeline![3].time = '2026-01-01T00:00:00Z';
    expect(seedChannels()[0].timeline![3].time).toBeNull();
  });
});

describe('SimulatorState faults', () => {
  it('consumes faults in order, for their path only, count times', () => {
    const state = new SimulatorState();
    state.addFault({ path: 'summary', status: 503, remaining: 2 });
    state.addFault({ status: 500, remaining: 1 });
    expect(state.takeFault('channel')?.status).toBe(500);
    expect(state.takeFault('channel')).toBeUndefined();
    expect(state.takeFault('summary')?.status).toBe(503);
    expect(state.takeFault('summary')?.status).toBe(503);
    expect(state.takeFault('summary')).toBeUndefined();
  });

  it('reset brings back the seeded channels and drops faults', () => {
    const state = new SimulatorState();
    state.channels.delete(STROKE_CHANNEL_ID);
    state.addFault({ status: 500, remaining: 3 });
    state.reset();
    expect(state.channels.has(STROKE_CHANNEL_ID)).toBe(true);
    expect(state.takeFault('channel')).toBeUndefined();
  });
});
