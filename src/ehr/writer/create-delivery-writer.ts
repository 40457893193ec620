import type { Logger } from '../../shared/logger';
import { silentLogger } from '../../shared/logger';
import type { EhrDialect } from '../../config/settings';
import type { DeliveryWriter, FhirClient, WriteRequest } from '../types';
import { planWrites } from './plan-writes';
import { executeSequentially } from './sequential-writer';
import { executeAsTransaction } from './transaction-writer';
import { buildWriteOutcome } from './write-outcome';

export interface DeliveryWriterOptions {
  client: FhirClient;
  dialect: EhrDialect;
  logger?: Logger;
  /** Sequential dialect only: send If-None-Exist on creates (default true). */
  conditionalCreate?: boolean;
  /** Transaction dialect only: largest Bundle in bytes before a plan is split (default 64 MiB). */
  maxBundleBytes?: number;
}

/**
 * The writer of one delivery: plans from the EHR's current state, then executes the plan
 * in the EHR's dialect. Stateless and idempotent: a second run with the same request finds
 * everything in place and sends no write at all.
 */
export function createDeliveryWriter(options: DeliveryWriterOptions): DeliveryWriter {
  const logger = options.logger ?? silentLogger();
  return async (request: WriteRequest) => {
    const plan = await planWrites(options.client, request);
    const results =
      options.dialect === 'transaction'
        ? await executeAsTransaction(options.client, plan.steps, { maxBundleBytes: options.maxBundleBytes })
        : await executeSequentially(options.client, plan.steps, { conditionalCreate: options.conditionalCreate });
    const outcome = buildWriteOutcome(request, plan, results);
    logger.info('delivery written', {
      channelId: request.channelId,
      dialect: options.dialect,
      documentReferenceId: outcome.documentReferenceId,
      supersededIds: outcome.supersededIds,
      retractedIds: outcome.retractedIds,
      misfiledDocumentIds: outcome.misfiledDocumentIds,
      created: outcome.created,
      updated: outcome.updated,
      unchanged: outcome.unchanged,
    });
    return outcome;
  };
}
