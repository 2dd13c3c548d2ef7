/**
 * Messages between the replicas of one fleet: what one replica learns that another must act on (a session's stream
 * is held elsewhere, a policy changed, a session ended). Delivery is at most once and best effort, as Redis pub/sub
 * is: every use has a slower path that catches what a lost message would have said (a TTL, a file watch, a poll).
 */
export interface FleetBus {
  /** This process's name in the fleet, unique per start: messages meant for it are addressed to it. */
  readonly replica: string;
  /** Sends `message` to every replica subscribed to `channel` (this one included). */
  publish(channel: string, message: FleetMessage): void;
  /** Calls `handler` with each message on `channel` until the returned function is called. */
  subscribe(channel: string, handler: (message: FleetMessage) => void): () => void;
  close(): Promise<void>;
}

/** A message is plain JSON with a `kind` saying what it is. */
export type FleetMessage = { kind: string } & Record<string, unknown>;

/** The channel every replica listens on, for news about the fleet as a whole. */
export const FLEET_CHANNEL = 'fleet';

/** The channel messages addressed to one replica go on. */
export const replicaChannel = (replica: string): string => `replica:${replica}`;
