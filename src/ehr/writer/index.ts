/** The delivery writer: plan from the EHR's state, execute as a transaction or one request at a time. */
export { createDeliveryWriter } from './create-delivery-writer';
export type { DeliveryWriterOptions } from './create-delivery-writer';
export { planWrites } from './plan-writes';
export type { WritePlan, WriteStep, StepResult, StepPurpose, UnchangedResource } from './write-plan';
