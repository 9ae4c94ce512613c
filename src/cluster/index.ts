export { createInProcessDiscovery, createInProcessEventBus } from './in-process.js';
export { ALL_ROLES } from './types.js';
export type { BusEvent, Discovery, EventBus, PointsEvent, Role, ServiceInstance, WriteQueue, WriteQueueStats } from './types.js';
