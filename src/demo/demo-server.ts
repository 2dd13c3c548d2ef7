#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod/v4';
import type { DemoTool } from './demo-tool.js';
import { PAYMENTS_TOOLS } from './payments-tools.js';
import { SMARTLEAD_TOOLS } from './smartlead-tools.js';

type Result = { content: { type: 'text'; text: string }[]; isError?: true };

const text = (value: unknown, isError?: true): Result => ({ content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value) }], ...(isError && { isError }) });

/** The demo's pretend servers, by the name its configuration passes as the first argument. */
const TOOL_SETS: Record<string, readonly DemoTool[]> = { smartlead: SMARTLEAD_TOOLS, payments: PAYMENTS_TOOLS };

/** The payments server's charges, for `payments_list_charges`. */
const CHARGES = [
  { id: 'ch_demo_1', amount: 4200, currency: 'eur', customer_id: 'cus_demo_1', status: 'succeeded' },
  { id: 'ch_demo_2', amount: 129900, currency: 'eur', customer_id: 'cus_demo_2', status: 'succeeded' },
];

/**
 * A stdio MCP server for the bundled demo: the SmartLead server's 116 tools (see smartlead-tools.ts), so the gateway
 * has a real-sized catalogue to govern, or with `payments` a few tools that move money (payments-tools.ts). Every
 * answer is made up here; nothing leaves the process. A few tools keep campaigns in memory or mint a pretend key or
 * refund; the rest acknowledge what they were asked.
 */
function createDemoServer(tools: readonly DemoTool[]): McpServer {
  const server = new McpServer({ name: 'toolgate-demo', version: '0.2.0' });
  const campaigns = new Map<number, string>([
    [1, 'Spring launch'],
    [2, 'Re-engagement'],
  ]);
  const answers: Record<NonNullable<DemoTool['answer']>, (args: Record<string, unknown>) => Result> = {
    get_campaign: ({ campaign_id }) => {
      const name = campaigns.get(campaign_id as number);
      return name ? text({ id: campaign_id, name }) : text(`no campaign ${String(campaign_id)}`, true);
    },
    list_campaigns: () => text([...campaigns].map(([id, name]) => ({ id, name }))),
    create_campaign: ({ name }) => {
      const id = Math.max(0, ...campaigns.keys()) + 1;
      campaigns.set(id, String(name));
      return text({ id, name, status: 'DRAFTED' });
    },
    delete_campaign: ({ campaign_id }) => text(campaigns.delete(campaign_id as number) ? `deleted ${String(campaign_id)}` : `no campaign ${String(campaign_id)}`),
    create_api_key: ({ client_id, label }) => text({ client_id, label: label ?? null, api_key: `demo_${randomBytes(12).toString('hex')}` }),
    list_charges: () => text(CHARGES),
    create_refund: ({ charge_id, amount, reason }) => text({ id: `re_demo_${randomBytes(6).toString('hex')}`, charge_id, amount, reason, status: 'succeeded' }),
  };
  for (const tool of tools) {
    const answer = tool.answer ? answers[tool.answer] : (args: Record<string, unknown>) => text({ demo: true, tool: tool.name, arguments: args });
    server.registerTool(tool.name, { description: tool.description, inputSchema: z.object(tool.input) }, async (args: Record<string, unknown>) => answer(args));
  }
  return server;
}

const set = process.argv[2] ?? 'smartlead';
const tools = TOOL_SETS[set];
if (!tools) {
  process.stderr.write(`demo-server: no tool set "${set}" (there are ${Object.keys(TOOL_SETS).join(', ')})\n`);
  process.exit(2);
}
serveStdio(() => createDemoServer(tools));
