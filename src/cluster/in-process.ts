import type { BusEvent, Discovery, EventBus, Role, ServiceInstance } from './types.js';

/** The monolith's event bus: synchronous fan-out to subscribers; a throwing handler is isolated. */
export function createInProcessEventBus(onHandlerError: (err: unknown) => void = () => {}): EventBus {
  const handlers = new Set<(e: BusEvent) => void>();
  return {
    publish(event) {
      for (const h of handlers) {
        try {
          h(event);
        } catch (err) {
          onHandlerError(err);
        }
      }
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    close() {
      handlers.clear();
      return Promise.resolve();
    },
  };
}

/** The monolith's discovery: every role lives in this process. */
export function createInProcessDiscovery(): Discovery {
  const instances = new Map<string, ServiceInstance>();
  return {
    register(instance) {
      instances.set(instance.id, instance);
      return Promise.resolve();
    },
    deregister(id) {
      instances.delete(id);
      return Promise.resolve();
    },
    list(role: Role) {
      return Promise.resolve([...instances.values()].filter((i) => i.role === role));
    },
    close() {
      instances.clear();
      return Promise.resolve();
    },
  };
}
