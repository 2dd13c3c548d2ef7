import type * as z from 'zod/v4';

/** A tool of one of the demo's pretend servers (see demo-server.ts). */
export interface DemoTool {
  name: string;
  description: string;
  input: z.ZodRawShape;
  /** A canned answer that keeps state (see demo-server.ts); any other tool acknowledges what it was asked. */
  answer?: 'get_campaign' | 'list_campaigns' | 'create_campaign' | 'delete_campaign' | 'create_api_key' | 'list_charges' | 'create_refund';
}
