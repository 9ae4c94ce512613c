import type { WriteBatch } from '../ingest/index.js';

/** The roles of DESIGN decision 4; `luminate serve` runs them all in one process. */
export type Role = 'acceptor' | 'writer' | 'querier' | 'router' | 'web';
export const ALL_ROLES: readonly Role[] = ['acceptor', 'writer', 'querier', 'router', 'web'];

export interface WriteQueueStats {
  /** Points accepted but not yet handed to storage. */
  bufferedPoints: number;
  /** Points in a flush that is under way. */
  inflightPoints: number;
  /** Flushes completed since start. */
  flushes: number;
}

/**
 * The seam between acceptor and writer. `enqueue` resolves only once the batch is durable —
 * inserted into storage (in-process group commit) or stored by the durable queue (NATS JetStream in
 * cluster mode) — and rejects with a 503 LuminateError when it cannot be.
 */
export interface WriteQueue {
  enqueue(batch: WriteBatch): Promise<void>;
  stats(): WriteQueueStats;
  /** Stops accepting and makes everything already accepted durable. */
  close(): Promise<void>;
}

/** "Tenant T, metric M got points from time e up to time t": published by writers after each flush. */
export interface PointsEvent {
  type: 'points';
  tenant: string;
  metric: string;
  /** Earliest timestamp written, unix ms. */
  earliest: number;
  /** Latest timestamp written, unix ms. */
  latest: number;
}

export type BusEvent = PointsEvent;

/** The seam for live updates (in-process emitter; NATS subjects in cluster mode). */
export interface EventBus {
  publish(event: BusEvent): void;
  /** Returns an unsubscribe function. */
  subscribe(handler: (event: BusEvent) => void): () => void;
  close(): Promise<void>;
}

export interface ServiceInstance {
  id: string;
  role: Role;
  /** Where the role is reached, e.g. `http://10.0.0.5:8080` or `in-process`. */
  address: string;
  startedAt: number;
}

/** The seam for finding roles (in-process registry; NATS KV / catalog table / DNS in cluster mode). */
export interface Discovery {
  register(instance: ServiceInstance): Promise<void>;
  deregister(id: string): Promise<void>;
  list(role: Role): Promise<ServiceInstance[]>;
  close(): Promise<void>;
}
