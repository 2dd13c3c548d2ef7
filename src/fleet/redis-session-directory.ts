import type { Redis } from 'ioredis';
import type { SessionDirectory, SessionRecord } from './session-directory.js';

/**
 * Session records as Redis strings (`<prefix>session:<id>`, the record's JSON) that expire after the idle period
 * unless used: Redis ends a forgotten session, so no replica has to sweep for one that died with its peer. The
 * JSON is the record's fields alone, a few hundred bytes for the SDK's clients. The connection is the fleet's
 * (open-fleet.ts), shared with the console's stores: the fleet opens and closes it.
 */
export class RedisSessionDirectory implements SessionDirectory {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly idleMs: number,
  ) {}

  private key(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  async put(record: SessionRecord): Promise<void> {
    await this.redis.set(this.key(record.id), JSON.stringify(record), 'PX', this.idleMs);
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const text = await this.redis.get(this.key(id));
    return text === null ? undefined : (JSON.parse(text) as SessionRecord);
  }

  async touch(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.pexpire(this.key(id), this.idleMs);
    await pipeline.exec();
  }

  async update(id: string, change: Pick<SessionRecord, 'logLevel'>): Promise<void> {
    const record = await this.get(id);
    // A session that ended meanwhile stays ended: the change is for nobody.
    if (record) await this.redis.set(this.key(id), JSON.stringify({ ...record, ...change }), 'PX', this.idleMs, 'XX');
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }
}
