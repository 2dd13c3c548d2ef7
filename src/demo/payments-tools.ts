import * as z from 'zod/v4';
import type { DemoTool } from './demo-tool.js';

/**
 * A pretend payments server, the demo's second: a few tools of the kind a payment provider's MCP server offers, so the
 * demo's policy shows each rule at work on money: reads allowed, a refund held for a person, a charge denied with a
 * message, a deletion hidden. Names are the demo's own (`payments_…`), not any provider's.
 */
const id = (what: string) => z.string().describe(`The ${what}'s id`);
const page = { limit: z.number().int().min(1).max(100).optional().describe('Rows to return') };

export const PAYMENTS_TOOLS: readonly DemoTool[] = [
  { name: 'payments_list_charges', description: 'List recent charges, newest first.', input: page, answer: 'list_charges' },
  { name: 'payments_get_charge', description: 'Get one charge: amount, currency, customer and status.', input: { charge_id: id('charge') } },
  { name: 'payments_list_customers', description: 'List customers, newest first.', input: page },
  {
    name: 'payments_create_refund',
    description: 'Refund a charge, in whole or in part: the money goes back to the customer\'s card.',
    input: { charge_id: id('charge'), amount: z.number().int().min(1).describe('Amount to refund, in cents'), reason: z.string().describe('Why the refund is made') },
    answer: 'create_refund',
  },
  {
    name: 'payments_create_charge',
    description: 'Charge a customer\'s saved card an amount, in cents.',
    input: { customer_id: id('customer'), amount: z.number().int().min(1).describe('Amount to charge, in cents'), currency: z.string().describe('Three-letter currency code') },
  },
  { name: 'payments_delete_customer', description: 'Permanently delete a customer and their saved cards. This cannot be undone.', input: { customer_id: id('customer') } },
];
