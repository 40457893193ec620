import PgBoss from 'pg-boss';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../shared/logger';

/** The pg-boss queue that holds one hint ("delivery X may be due") per due ledger row. */
export const DELIVERY_QUEUE = 'pfb-deliveries';

/** The data of a hint job. */
export interface HintData {
  deliveryId: string;
}

/** Runs pg-boss SQL on a given client, remembering the first failure (fetch swallows errors). */
export class BossConnection implements PgBoss.Db {
  failure: unknown = undefined;

  constructor(private readonly client: Pick<PoolClient, 'query'>) {}

  // pg-boss's Db interface declares `values: any[]` and `rows: any[]`; these narrower
  // types satisfy it. `values` is optional because pg-boss sends some commands without.
  async executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    try {
      return await this.client.query(text, values);
    } catch (err) {
      this.failure ??= err;
      throw err;
    }
  }
}

/**
 * pg-boss on the store's pool, in the ledger's schema. Cron scheduling is off (the bridge
 * has none); supervision stays on for expiry and retention. Maintenance failures are only
 * logged: the sweeper covers what they leave behind.
 */
export function createBoss(pool: Pool, schema: string, logger: Logger): PgBoss {
  const boss = new PgBoss({
    db: new BossConnection(pool),
    schema,
    schedule: false,
    supervise: true,
    migrate: true,
  });
  boss.on('error', (err) => logger.warn('pg-boss maintenance failed', { error: err.message }));
  return boss;
}

/** Starts pg-boss (migrating its tables) and creates the hint queue if missing. */
export async function startBoss(boss: PgBoss): Promise<void> {
  await boss.start();
  await boss.createQueue(DELIVERY_QUEUE, {
    name: DELIVERY_QUEUE,
    policy: 'standard',
    retryLimit: 0,
    // Only bookkeeping: the ledger lease decides; this just fails jobs of dead workers.
    expireInSeconds: 60 * 60,
    // A hint must outlive any outage; the sweeper covers what retention still drops.
    retentionMinutes: 30 * 24 * 60,
  });
}

/**
 * The hint queue seen from one ledger transaction: every call runs on that transaction's
 * client, so hints commit or roll back together with the ledger rows. Hints never get
 * pg-boss retries (retryLimit 0): retries follow the bridge's own policy.
 */
export class TransactionHints {
  private readonly db: BossConnection;

  constructor(
    private readonly boss: PgBoss,
    client: Pick<PoolClient, 'query'>,
  ) {
    this.db = new BossConnection(client);
  }

  /** Fetches the next fetchable hint, or null; throws what pg-boss's fetch swallowed. */
  async fetchOne(): Promise<PgBoss.Job<HintData> | null> {
    const jobs = await this.boss.fetch<HintData>(DELIVERY_QUEUE, { batchSize: 1, db: this.db });
    if (this.db.failure !== undefined) {
      throw this.db.failure;
    }
    return jobs.length === 0 ? null : jobs[0];
  }

  /**
   * Sends a hint for a delivery, fetchable now, or from `startAfter`: an instant that
   * pg-boss compares with the database clock.
   */
  async send(deliveryId: string, startAfter?: Date): Promise<void> {
    await this.sendHint(deliveryId, startAfter);
  }

  /** Sends a hint fetchable `delayMs` from now by the database clock (pg-boss adds it to now()). */
  async sendAfter(deliveryId: string, delayMs: number): Promise<void> {
    // pg-boss takes a number as seconds, fractions included; 0 would mean "now" anyway.
    await this.sendHint(deliveryId, delayMs > 0 ? delayMs / 1000 : undefined);
  }

  private async sendHint(deliveryId: string, startAfter: Date | number | undefined): Promise<void> {
    const data: HintData = { deliveryId };
    await this.boss.send(DELIVERY_QUEUE, data, {
      db: this.db,
      retryLimit: 0,
      ...(startAfter !== undefined ? { startAfter } : {}),
    });
  }

  /** Sends one hint, fetchable now, for each delivery, in a single insert. */
  async sendMany(deliveryIds: readonly string[]): Promise<void> {
    await this.boss.insert(
      deliveryIds.map((deliveryId) => ({ name: DELIVERY_QUEUE, data: { deliveryId }, retryLimit: 0 })),
      { db: this.db },
    );
  }

  /** Completes a fetched hint; `output` records why (for someone reading pg-boss's tables). */
  async complete(jobId: string, output: object): Promise<void> {
    await this.boss.complete(DELIVERY_QUEUE, jobId, output, { db: this.db });
  }
}

/** Runs work in one ledger transaction, with the hint queue bound to it. */
export type InLedgerTransaction = <T>(work: (client: PoolClient, hints: TransactionHints) => Promise<T>) => Promise<T>;
