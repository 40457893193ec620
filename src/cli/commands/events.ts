import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openStore, parseStoreUrl } from '../../store/open-store';
import { parseStatusFilter } from '../../store/status-filter';
import type { Delivery, DeliveryStore } from '../../store/types';
import { DELIVERY_STATUSES } from '../../store/types';
import { presentDelivery } from '../../store/delivery-view';
import type { DeliveryView } from '../../store/delivery-view';
import { BridgeError } from '../../shared/errors';
import { storeUrlOf } from '../../config/command-settings';
import { commandEnvironment } from '../../config/env';
import { jsonText, processIo } from '../output';
import { failAndExit } from '../process-exit';

interface StoreOption {
  store?: string;
}

/**
 * The ledger commands read an existing store; they never create one. A SQLite path that
 * does not exist means the command runs somewhere other than serve (the default path is
 * relative), and an empty new ledger would look like "no dead letters".
 */
async function withStore<T>(options: StoreOption, work: (store: DeliveryStore) => Promise<T>): Promise<T> {
  const storeUrl = options.store ?? storeUrlOf(commandEnvironment());
  const location = parseStoreUrl(storeUrl);
  if (location.kind === 'sqlite' && location.filename !== ':memory:' && !existsSync(location.filename)) {
    throw new BridgeError(
      'config-invalid',
      `no delivery store at ${path.resolve(location.filename)}; run this where serve runs, with the same STORE_URL (or pass --store)`,
    );
  }
  const store = await openStore(storeUrl);
  try {
    await store.init();
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Runs a command action; any error becomes a message for the operator and exit 1. */
function guarded<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      failAndExit(err);
    }
  };
}

/** The delivery a command asked for, or an error naming what was not found. */
function found(delivery: Delivery | null, what: string): Delivery {
  if (!delivery) {
    throw new BridgeError('not-found', `no delivery ${what}`);
  }
  return delivery;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** One line per delivery, for a terminal. */
export function formatTable(views: DeliveryView[]): string {
  if (views.length === 0) {
    return 'no deliveries\n';
  }
  const rows = views.map((v) => [
    v.id,
    v.status,
    String(v.attempts),
    v.channelId ?? '-',
    v.receivedAt.replace(/\.\d+Z$/, 'Z'),
    v.status === 'delivered'
      ? `${v.outcome?.documentReferenceId ? `DocumentReference/${v.outcome.documentReferenceId}: ` : ''}${v.outcome?.created ?? 0} created, ${v.outcome?.updated ?? 0} updated, ${v.outcome?.unchanged ?? 0} unchanged`
      : v.status === 'ignored'
        ? (v.ignoredReason ?? '')
        : v.lastError
          ? `${v.lastError.code}: ${v.lastError.message}`
          : '',
  ]);
  const head = ['ID', 'STATUS', 'TRIES', 'CHANNEL', 'RECEIVED', 'LAST RESULT'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]))).join('  ');
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

/** `events list|show|retry|replay`: the delivery ledger, straight from the store of STORE_URL. */
export function registerEventsCommand(program: Command): void {
  const events = program
    .command('events')
    .description('the delivery ledger and dead letters (reads STORE_URL, default sqlite:./data/bridge.sqlite)');

  events
    .command('list')
    .description('list deliveries, newest first')
    .option(
      '--status <statuses...>',
      `only these statuses (${DELIVERY_STATUSES.join(', ')}); comma-separated or repeated`,
    )
    .option('--channel <id>', 'only this patient channel')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON instead of a table')
    .option('--store <url>', 'store URL (default: $STORE_URL)')
    .action(
      guarded(async (opts: StoreOption & { status?: string[]; channel?: string; limit: string; json?: boolean }) => {
        const status = parseStatusFilter(opts.status ?? []);
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) {
          throw new BridgeError('config-invalid', `--limit must be a positive whole number, got "${opts.limit}"`);
        }
        const views = await withStore(opts, async (store) =>
          (await store.list({ status, channelId: opts.channel, limit })).map(presentDelivery),
        );
        processIo.out(opts.json ? jsonText(views) : formatTable(views));
      }),
    );

  events
    .command('show <id>')
    .description('one delivery in full: event, attempts, last error, ids written')
    .option('--store <url>', 'store URL (default: $STORE_URL)')
    .action(
      guarded(async (id: string, opts: StoreOption) => {
        const delivery = found(await withStore(opts, (store) => store.get(id)), id);
        processIo.out(jsonText(presentDelivery(delivery)));
      }),
    );

  events
    .command('retry <id>')
    .description(
      'put a delivery (dead letter, waiting, or delivered) back in the queue now; a running serve picks it up',
    )
    .option('--store <url>', 'store URL (default: $STORE_URL)')
    .action(
      guarded(async (id: string, opts: StoreOption) => {
        const delivery = found(await withStore(opts, (store) => store.requeue(id)), id);
        processIo.out(`requeued ${delivery.id} (channel ${delivery.channelId ?? '-'}): status ${delivery.status}\n`);
      }),
    );

  events
    .command('replay')
    .description(
      're-deliver a whole channel: re-reads it from Pulsara and writes what changed (nothing if nothing did)',
    )
    .requiredOption('--channel <id>', 'the patient channel id, e.g. pc_7f3a9c21')
    .option('--store <url>', 'store URL (default: $STORE_URL)')
    .action(
      guarded(async (opts: StoreOption & { channel: string }) => {
        const delivery = found(
          await withStore(opts, (store) => store.requeueChannel(opts.channel)),
          `for channel ${opts.channel}`,
        );
        processIo.out(`replaying channel ${opts.channel} through ${delivery.id}: status ${delivery.status}\n`);
      }),
    );
}
