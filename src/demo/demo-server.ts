#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod/v4';

/**
 * A small stdio MCP server for the bundled demo: a pretend outreach tool with one read, one write that mints a
 * credential, and one destructive tool, so the gateway has something worth governing. Nothing leaves the process.
 */
function createDemoServer(): McpServer {
  const server = new McpServer({ name: 'toolgate-demo', version: '0.1.0' });
  const campaigns = new Map<number, string>([
    [1, 'Spring launch'],
    [2, 'Re-engagement'],
  ]);

  server.registerTool(
    'smartlead_get_campaign',
    { description: 'Read one campaign by id', inputSchema: z.object({ campaign_id: z.number().int() }), annotations: { readOnlyHint: true } },
    async ({ campaign_id }) => {
      const name = campaigns.get(campaign_id);
      if (!name) return { content: [{ type: 'text', text: `no campaign ${campaign_id}` }], isError: true };
      return { content: [{ type: 'text', text: JSON.stringify({ id: campaign_id, name }) }] };
    },
  );

  server.registerTool(
    'smartlead_create_client_api_key',
    { description: 'Create an API key for a client account', inputSchema: z.object({ client_id: z.number().int(), label: z.string().optional() }) },
    async ({ client_id, label }) => ({
      content: [{ type: 'text', text: JSON.stringify({ client_id, label: label ?? null, api_key: `demo_${randomBytes(12).toString('hex')}` }) }],
    }),
  );

  server.registerTool(
    'smartlead_delete_campaign',
    { description: 'Delete a campaign permanently', inputSchema: z.object({ campaign_id: z.number().int() }), annotations: { destructiveHint: true } },
    async ({ campaign_id }) => ({ content: [{ type: 'text', text: campaigns.delete(campaign_id) ? `deleted ${campaign_id}` : `no campaign ${campaign_id}` }] }),
  );

  return server;
}

serveStdio(createDemoServer);
