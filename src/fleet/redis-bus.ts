import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { closeRedis, connectRedis } from '../store/redis.js';
import type { FleetBus, FleetMessage } from './fleet-bus.js';

/** The fleet's keys and channels in Redis start with this unless the URL names another (`?prefix=`). */
export const FLEET_PREFIX = 'toolgate:';

/**
 * The fleet's bus on Redis pub/sub: one connection publishes, one listens (a listening connection can do nothing
 * else). Chosen over PostgreSQL's LISTEN/NOTIFY because the messages are a session's traffic (a notification or a
 * server's request for a client whose stream another replica holds): many, small, and of no use once late, which
 * is what pub/sub is for; NOTIFY takes a lock at commit that serialises every notifying transaction in the database.
 * Channels are named under the URL's prefix, so fleets sharing a Redis do not hear each other.
 */
export class RedisBus implements FleetBus {
  readonly replica = randomUUID();
  private readonly handlers = new Map<string, Set<(message: FleetMessage) => void>>();

  private constructor(
    private readonly publisher: Redis,
    private readonly listener: Redis,
    private readonly prefix: string,
  ) {
    listener.on('message', (channel: string, text: string) => {
      const handlers = this.handlers.get(channel.slice(prefix.length));
      if (!handlers) return;
      let message: FleetMessage;
      try {
        message = JSON.parse(text) as FleetMessage;
      } catch {
        return; // Not ours: something else published on a channel under our prefix.
      }
      for (const handler of handlers) handler(message);
    });
  }

  /** Connects both sides to `redis://…[?prefix=P]`, failing when Redis cannot be reached. */
  static async open(url: string): Promise<RedisBus> {
    const publisher = await connectRedis(url, FLEET_PREFIX);
    try {
      // The listener resubscribes after a reconnect (ioredis does so), so it may queue while Redis is away.
      const listener = await connectRedis(url, FLEET_PREFIX, { enableOfflineQueue: true, commandTimeout: undefined });
      return new RedisBus(publisher.redis, listener.redis, publisher.prefix);
    } catch (error) {
      publisher.redis.disconnect();
      throw error;
    }
  }

  publish(channel: string, message: FleetMessage): void {
    // Best effort: a message Redis cannot take is lost, as one it takes may be (see FleetBus).
    this.publisher.publish(this.prefix + channel, JSON.stringify(message)).catch(() => {});
  }

  subscribe(channel: string, handler: (message: FleetMessage) => void): () => void {
    let handlers = this.handlers.get(channel);
    if (!handlers) {
      this.handlers.set(channel, (handlers = new Set()));
      this.listener.subscribe(this.prefix + channel).catch(() => {});
    }
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size > 0 || this.handlers.get(channel) !== handlers) return;
      this.handlers.delete(channel);
      this.listener.unsubscribe(this.prefix + channel).catch(() => {});
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.listener.disconnect();
    await closeRedis(this.publisher);
  }
}
