import type { Cancellation } from '../upstream/cancellation.js';
import type { Outbound } from './session.js';

/** How one downstream request reaches back to its client while it runs. */
export interface CallChannel {
  /** The request's own stream (an SSE response, stdout): progress and server requests ride on it. */
  outbound?: Outbound;
  /** Cancelled when the client goes away or cancels. */
  cancellation?: Cancellation;
}
