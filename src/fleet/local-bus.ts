import { randomUUID } from 'node:crypto';
import type { FleetBus, FleetMessage } from './fleet-bus.js';

/**
 * The bus of a fleet of one: messages reach this process's own subscribers, after the current turn as they would
 * from Redis, so code written for a fleet behaves the same alone.
 */
export class LocalBus implements FleetBus {
  readonly replica = randomUUID();
  private readonly handlers = new Map<string, Set<(message: FleetMessage) => void>>();

  publish(channel: string, message: FleetMessage): void {
    const handlers = this.handlers.get(channel);
    if (!handlers) return;
    const copy = JSON.stringify(message);
    queueMicrotask(() => {
      for (const handler of handlers) handler(JSON.parse(copy) as FleetMessage);
    });
  }

  subscribe(channel: string, handler: (message: FleetMessage) => void): () => void {
    let handlers = this.handlers.get(channel);
    if (!handlers) this.handlers.set(channel, (handlers = new Set()));
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0) this.handlers.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
