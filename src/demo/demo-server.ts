#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod/v4';
import { SMARTLEAD_TOOLS, type DemoTool } from './smartlead-tools.js';

type Result = { content: { type: 'text'; text: string }[]; isError?: true };

const text = (value: unknown, isError?: true): Result => ({ content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value) }], ...(isError && { isError }) });

/**
 * A stdio MCP server for the bundled demo: the SmartLead server's 116 tools (see smartlead-tools.ts), so the gateway
 * has a real-sized catalogue to govern. Every answer is made up here; nothing leaves the process. A few tools keep
 * campaigns in memory or mint a pretend key; the rest acknowledge what they were asked.
 */
function createDemoServer(): McpServer {
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
  };
  for (const tool of SMARTLEAD_TOOLS) {
    const answer = tool.answer ? answers[tool.answer] : (args: Record<string, unknown>) => text({ demo: true, tool: tool.name, arguments: args });
    server.registerTool(tool.name, { description: tool.description, inputSchema: z.object(tool.input) }, async (args: Record<string, unknown>) => answer(args));
  }
  return server;
}

serveStdio(createDemoServer);
