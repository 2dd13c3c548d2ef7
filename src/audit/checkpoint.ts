import { sign, verify, type KeyObject } from 'node:crypto';
import type { CheckpointEntry } from './audit-record.js';
import { keyId } from './signing-keys.js';

/** A chain head: an entry's seq and hash. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** What a checkpoint's signature covers, under a prefix of its own so the signature vouches for nothing else. */
function statement(head: ChainHead, time: number): Buffer {
  return Buffer.from(`toolgate audit checkpoint\n${head.seq}\n${head.hash}\n${time}`);
}

/** Signs chain heads with the operator's key: the gateway appends what it makes to the chain it signs. */
export class CheckpointSigner {
  readonly key: string;

  constructor(private readonly privateKey: KeyObject) {
    this.key = keyId(privateKey);
  }

  checkpoint(head: ChainHead, time: number): CheckpointEntry {
    const signature = sign(null, statement(head, time), this.privateKey).toString('base64url');
    return { kind: 'checkpoint', time, head: { seq: head.seq, hash: head.hash }, key: this.key, signature };
  }
}

/** Whether `publicKey` made the checkpoint's signature over its head and time. */
export function checkpointSigned(entry: CheckpointEntry, publicKey: KeyObject): boolean {
  try {
    return verify(null, statement(entry.head, entry.time), publicKey, Buffer.from(entry.signature, 'base64url'));
  } catch {
    // A head or signature of the wrong shape (an edited row) is not a signature.
    return false;
  }
}
