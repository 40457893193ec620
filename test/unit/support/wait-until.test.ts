import { waitUntil } from '../../support/wait-until';

/** The shared wait helper itself: what it returns, and what it says when it gives up. */
describe('waitUntil', () => {
  it('returns the first value that is done, reading again until then', async () => {
    let reads = 0;
    const value = await waitUntil(
      'the third read',
      () => ++reads,
      (n) => n >= 3,
      { everyMs: 1 },
    );
    expect(value).toBe(3);
    expect(reads).toBe(3);
  });

  it('reads once even with no time to wait', async () => {
    await expect(
      waitUntil(
        'a ready value',
        async () => 'ready',
        (v) => v === 'ready',
        { timeoutMs: 0 },
      ),
    ).resolves.toBe('ready');
  });

  it('names what it waited for and the last value seen when it gives up', async () => {
    let reads = 0;
    await expect(
      waitUntil(
        'the sky to fall',
        () => ({ reads: ++reads, seen: new Set(['a']) }),
        () => false,
        { timeoutMs: 20, everyMs: 5 },
      ),
    ).rejects.toThrow(/^timed out after 20 ms waiting for the sky to fall; last seen: \{"reads":\d+,"seen":\["a"\]\}$/);
  });

  it('fails at once when a read throws, unless told errors mean "not yet"', async () => {
    let reads = 0;
    const failing = (): number => {
      reads += 1;
      throw new Error('connection reset');
    };
    await expect(waitUntil('a reading', failing, () => true, { timeoutMs: 1000 })).rejects.toThrow('connection reset');
    expect(reads).toBe(1);

    await expect(
      waitUntil('a reading', failing, () => true, { timeoutMs: 20, everyMs: 5, ignoreErrors: true }),
    ).rejects.toThrow('waiting for a reading; last seen: error connection reset');
    expect(reads).toBeGreaterThan(2);
  });
});
