/**
 * The Pulsara API client: reads a patient channel (JSON) and its summary report (PDF), as
 * docs/pulsara-api.md describes. Every call has a deadline; every failure becomes a
 * BridgeError (see pulsara-errors.ts); the PDF is streamed with a size cap. Logs carry the
 * channel id, status, size and duration only: never the token or channel content.
 */
import type { Readable } from 'node:stream';
import axios from 'axios';
import type { AxiosResponse, RawAxiosRequestHeaders } from 'axios';
import { DEFAULTS } from '../config/defaults';
import { BridgeError } from '../shared/errors';
import { silentLogger } from '../shared/logger';
import type { Logger } from '../shared/logger';
import { checkChannelShape } from './channel-shape';
import { errorForStatus, errorForTransport } from './pulsara-errors';
import type { FailureContext, PulsaraCall } from './pulsara-errors';
import { readSummaryStream, summaryTooLarge } from './summary-stream';
import type { PatientChannel } from './types';

/** Channels are small JSON documents; anything near this is not one. */
const MAX_CHANNEL_BYTES = 10 * 1024 * 1024;

export interface PulsaraClientOptions {
  /** The API root; `/api/v1/...` is appended (a trailing slash is fine). */
  baseUrl: string;
  token: string;
  /** Header carrying the token (default `x-api-key`); `authorization` sends `Bearer <token>`. */
  tokenHeader?: string;
  /** Deadline of a channel read (default DEFAULTS.pulsara.timeoutMs); also the least a summary read gets. */
  timeoutMs?: number;
  /** Deadline of a summary download, body included (default the larger of 60 s and timeoutMs). */
  summaryTimeoutMs?: number;
  /** Largest summary report accepted (default 50 MiB). */
  maxSummaryBytes?: number;
  logger?: Logger;
}

export interface PulsaraClient {
  /** `GET /api/v1/patient-channels/<id>`, shape-checked. */
  getChannel(channelId: string): Promise<PatientChannel>;
  /** `GET /api/v1/patient-channels/<id>/summary`: the PSR bytes, checked to be a PDF. */
  getSummary(channelId: string): Promise<Buffer>;
}

/** A deadline for one call: aborts its signal when it passes. */
interface Deadline {
  signal: AbortSignal;
  readonly expired: boolean;
  clear(): void;
}

function startDeadline(ms: number): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new Error(`deadline of ${ms} ms passed`));
  }, ms);
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    clear: () => clearTimeout(timer),
  };
}

function headerValue(response: AxiosResponse, name: string): string | undefined {
  const value: unknown = response.headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
}

/** Rejects ids that would change the request path once normalised (`..`, `.`, empty). */
function checkChannelId(channelId: string): void {
  if (typeof channelId !== 'string' || channelId.trim() === '' || /^\.{1,2}$/.test(channelId)) {
    throw new BridgeError('event-invalid', 'The event names no usable patient channel id.', { detail: { channelId } });
  }
}

/** Makes a client for one Pulsara organisation's API. */
export function createPulsaraClient(options: PulsaraClientOptions): PulsaraClient {
  const base = `${options.baseUrl.replace(/\/+$/, '')}/api/v1/patient-channels/`;
  const tokenHeader = (options.tokenHeader ?? DEFAULTS.pulsara.tokenHeader).trim();
  const authHeaders: RawAxiosRequestHeaders =
    tokenHeader.toLowerCase() === 'authorization'
      ? { Authorization: `Bearer ${options.token}` }
      : { [tokenHeader]: options.token };
  const channelTimeoutMs = options.timeoutMs ?? DEFAULTS.pulsara.timeoutMs;
  const summaryTimeoutMs = options.summaryTimeoutMs ?? Math.max(DEFAULTS.pulsara.summaryTimeoutMs, channelTimeoutMs);
  const maxSummaryBytes = options.maxSummaryBytes ?? DEFAULTS.pulsara.summaryMaxBytes;
  const logger = options.logger ?? silentLogger();

  const http = axios.create({
    maxRedirects: 0,
    // Every status is mapped by errorForStatus, not thrown by axios.
    validateStatus: () => true,
  });

  function context(call: PulsaraCall, channelId: string): FailureContext {
    return { call, channelId, tokenHeader };
  }

  function logFailure(ctx: FailureContext, err: BridgeError, startedAt: number): void {
    logger.warn('pulsara: call failed', {
      call: ctx.call,
      channelId: ctx.channelId,
      code: err.code,
      status: (err.detail as { status?: number } | undefined)?.status,
      ms: Date.now() - startedAt,
    });
  }

  /**
   * One API call: the channel id checked, a deadline over the whole exchange (body included),
   * and every failure turned into a logged BridgeError.
   */
  async function call<T>(
    kind: PulsaraCall,
    channelId: string,
    timeoutMs: number,
    work: (ctx: FailureContext, signal: AbortSignal, startedAt: number) => Promise<T>,
  ): Promise<T> {
    checkChannelId(channelId);
    const ctx = context(kind, channelId);
    const deadline = startDeadline(timeoutMs);
    const startedAt = Date.now();
    try {
      return await work(ctx, deadline.signal, startedAt);
    } catch (err) {
      const failure = errorForTransport(err, ctx, deadline.expired ? timeoutMs : undefined);
      logFailure(ctx, failure, startedAt);
      throw failure;
    } finally {
      deadline.clear();
    }
  }

  function getChannel(channelId: string): Promise<PatientChannel> {
    return call('channel', channelId, channelTimeoutMs, async (ctx, signal, startedAt) => {
      const response = await http.get<string>(base + encodeURIComponent(channelId), {
        headers: { ...authHeaders, Accept: 'application/json' },
        responseType: 'text',
        // Parse here, not in axios, so that malformed JSON is reported as such.
        transformResponse: [(data: unknown) => data],
        maxContentLength: MAX_CHANNEL_BYTES,
        signal,
      });
      if (response.status < 200 || response.status >= 300) {
        throw errorForStatus(response.status, headerValue(response, 'retry-after'), ctx);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(response.data));
      } catch {
        const contentType = headerValue(response, 'content-type');
        throw new BridgeError(
          'pulsara-bad-response',
          `Pulsara answered channel ${channelId} with a body that is not JSON (content type ${contentType ? `"${contentType}"` : 'not given'}).`,
          { detail: { call: 'channel', channelId, contentType: contentType ?? null } },
        );
      }
      const channel = checkChannelShape(parsed, channelId);
      logger.debug('pulsara: channel read', { channelId, ms: Date.now() - startedAt });
      return channel;
    });
  }

  /** Drops a response body that will not be read (errors after destroy are expected). */
  function discard(stream: Readable): void {
    stream.on('error', () => undefined);
    stream.destroy();
  }

  function getSummary(channelId: string): Promise<Buffer> {
    return call('summary', channelId, summaryTimeoutMs, async (ctx, signal, startedAt) => {
      const response = await http.get<Readable>(`${base}${encodeURIComponent(channelId)}/summary`, {
        headers: { ...authHeaders, Accept: 'application/pdf' },
        responseType: 'stream',
        signal,
      });
      const stream = response.data;
      if (response.status < 200 || response.status >= 300) {
        discard(stream);
        throw errorForStatus(response.status, headerValue(response, 'retry-after'), ctx);
      }
      const declared = Number(headerValue(response, 'content-length'));
      if (Number.isFinite(declared) && declared > maxSummaryBytes) {
        discard(stream);
        throw summaryTooLarge(channelId, maxSummaryBytes);
      }
      const pdf = await readSummaryStream(stream, {
        channelId,
        maxBytes: maxSummaryBytes,
        contentType: headerValue(response, 'content-type'),
        signal,
      });
      logger.debug('pulsara: summary read', { channelId, bytes: pdf.length, ms: Date.now() - startedAt });
      return pdf;
    });
  }

  return { getChannel, getSummary };
}
