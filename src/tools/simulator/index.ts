/** The Pulsara simulator: API (channel, summary PDF), fault injection, signed webhook sender. */
export { createSimulatorApp, startSimulator, DEFAULT_SIMULATOR_TOKEN } from './simulator-app';
export type { RunningSimulator, SimulatorAppOptions, StartSimulatorOptions } from './simulator-app';
export { SimulatorState } from './simulator-state';
export type { FaultPath, FaultRule, RequestRecord, SummaryOverride } from './simulator-state';
export { seedChannels, STROKE_CHANNEL_ID, STEMI_CHANNEL_ID } from './seed-channels';
export { renderSummaryReport } from './summary-report';
export { buildIdentifierEvent, newEventId, sendWebhook, signWebhook, SIGNATURE_HEADER } from './webhook-sender';
export type { IdentifierEventInput, SendWebhookOptions, SendWebhookResult } from './webhook-sender';
