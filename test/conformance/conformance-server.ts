#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { parseArgs } from 'node:util';
import {
  acceptedContent,
  CLIENT_CAPABILITIES_META_KEY,
  completable,
  createRequestStateCodec,
  fromJsonSchema,
  inputRequired,
  inputResponse,
  McpServer,
  ResourceTemplate,
  type ClientCapabilities,
  type InputRequest,
  type InputResponseView,
  type PrimitiveSchemaDefinition,
  type RegisteredPrompt,
  type RegisteredTool,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod/v4';
import { ERAS, serveHttp, type Eras } from './conformance-http.js';

/**
 * The server the MCP conformance suite is run against, directly and through the gateway (SDK v2, both eras),
 * offering the fixtures the suite's server scenarios call by name. The suite expects them from its own
 * "everything" server, which is not published; names, arguments and texts here follow the scenario sources
 * (src/scenarios/server/*.ts) of @modelcontextprotocol/conformance 0.1.16 for the legacy wire and of
 * 0.2.0-alpha.12 for the 2026-07-28 one (input-required-result.ts, stateless.ts, http-standard-headers.ts,
 * json-schema-2020-12.ts), and what the suite's reference server does beyond that is done here too, so that
 * the gateway meets a server as demanding as the reference.
 *
 *   conformance-server.ts                                         stdio, both eras
 *   conformance-server.ts --http [--eras dual|modern|legacy] [--port N]
 *                                       Streamable HTTP on 127.0.0.1 (see conformance-http.ts); prints
 *                                       `listening <url>` once it is
 *
 * The tools the reference answers by pushing a request to the client (test_sampling, test_elicitation*) push
 * one on the tool call's own stream on a 2025 connection, and return `input_required` on a 2026-07-28
 * request, which cannot carry one. The test_input_required_* flows are `inputRequired` returns on both eras:
 * the SDK turns them into pushed requests on a 2025 connection, so the gateway's translation is exercised
 * whichever era it settles with this server.
 */

/** A 1×1 red PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
/** A WAV header with two bytes of data. */
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

const text = (value: string) => ({ type: 'text' as const, text: value });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const WATCHED_RESOURCE = 'test://watched-resource';
/** How long after a subscription the watched resource changes, so that each subscriber sees one real update. */
const WATCHED_CHANGE_DELAY_MS = 100;
const changeWatchedSoon = () => setTimeout(() => fixture.change({ kind: 'resource', uri: WATCHED_RESOURCE }), WATCHED_CHANGE_DELAY_MS);

type Change = { kind: 'tools' | 'prompts' } | { kind: 'resource'; uri: string };

/**
 * What outlives one instance. Over HTTP the SDK builds an instance per 2026-07-28 request and one per 2025
 * session, so what calls change (the dynamic tool and prompt, the watched resource) lives here, and each
 * change is announced to every instance that serves a session (and, over HTTP, to 2026-07-28 listen streams).
 */
const fixture = {
  toolShown: true,
  promptShown: true,
  watchedRevision: 0,
  /** Calls of test_cancellation that ended because the client cancelled them (the gateway's tests read it). */
  cancelledCalls: 0,
  changes: new EventEmitter<{ change: [Change] }>(),
  change(change: Change): void {
    if (change.kind === 'tools') this.toolShown = !this.toolShown;
    if (change.kind === 'prompts') this.promptShown = !this.promptShown;
    if (change.kind === 'resource') this.watchedRevision++;
    this.changes.emit('change', change);
  },
};

/**
 * json-schema-2020-12 checks that 2020-12 keywords survive into tools/list: `$schema`, `$defs` and
 * `additionalProperties` (SEP-1613), and composition, conditional and `$anchor` keywords (SEP-2106). Written as
 * raw JSON Schema because zod cannot produce `$anchor` or `if`/`then`/`else`; the scenario's own fixture, verbatim.
 */
const SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: { $anchor: 'addressDef', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
};

/**
 * http-custom-header-server-validation needs a tool with a string argument mirrored into an `Mcp-Param-*` header
 * (SEP-2243); the gateway is what validates the header against the argument.
 */
const CUSTOM_HEADER_SCHEMA = {
  type: 'object',
  properties: { region: { type: 'string', description: 'Mirrored in the Mcp-Param-Region header', 'x-mcp-header': 'Region' } },
  required: ['region'],
};

/** The forms the elicitation scenarios inspect, field for field. */
const ELICIT_FORMS = {
  test_elicitation: (message: string) => ({
    message,
    requestedSchema: {
      type: 'object' as const,
      properties: {
        username: { type: 'string' as const, description: "User's response" },
        email: { type: 'string' as const, description: "User's email address" },
      },
      required: ['username', 'email'],
    },
  }),
  test_elicitation_sep1034_defaults: () => ({
    message: 'Please review and update the form fields with defaults',
    requestedSchema: {
      type: 'object' as const,
      properties: {
        name: { type: 'string' as const, description: 'User name', default: 'John Doe' },
        age: { type: 'integer' as const, description: 'User age', default: 30 },
        score: { type: 'number' as const, description: 'User score', default: 95.5 },
        status: { type: 'string' as const, description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
        verified: { type: 'boolean' as const, description: 'Verification status', default: true },
      },
      required: [],
    },
  }),
  test_elicitation_sep1330_enums: () => ({
    message: 'Please select options from the enum fields',
    requestedSchema: {
      type: 'object' as const,
      properties: {
        untitledSingle: { type: 'string' as const, description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
        titledSingle: {
          type: 'string' as const,
          description: 'Select one option with titles',
          oneOf: [
            { const: 'value1', title: 'First Option' },
            { const: 'value2', title: 'Second Option' },
            { const: 'value3', title: 'Third Option' },
          ],
        },
        legacyEnum: {
          type: 'string' as const,
          description: 'Select one option (legacy)',
          enum: ['opt1', 'opt2', 'opt3'],
          enumNames: ['Option One', 'Option Two', 'Option Three'],
        },
        untitledMulti: {
          type: 'array' as const,
          description: 'Select multiple options',
          minItems: 1,
          maxItems: 3,
          items: { type: 'string' as const, enum: ['option1', 'option2', 'option3'] },
        },
        titledMulti: {
          type: 'array' as const,
          description: 'Select multiple options with titles',
          minItems: 1,
          maxItems: 3,
          items: {
            anyOf: [
              { const: 'value1', title: 'First Choice' },
              { const: 'value2', title: 'Second Choice' },
              { const: 'value3', title: 'Third Choice' },
            ],
          },
        },
      },
      required: [],
    },
  }),
};

/**
 * The `requestState` of the input-required fixtures, signed: the suite checks that a tampered one is refused,
 * and the SDK answers -32602 when `verify` throws. One process serves every round, so a per-process key will do.
 */
interface FlowState {
  tool: string;
  round: number;
  name?: string;
}
const requestStates = createRequestStateCodec<FlowState>({ key: randomBytes(32) });

/** The state of this round, if it was minted for `tool` (a state from another tool's flow is no state). */
function stateFor(ctx: ServerContext, tool: string): FlowState | undefined {
  const state = ctx.mcpReq.requestState<FlowState>();
  return state?.tool === tool ? state : undefined;
}

/** A form asking for a single field, as the input-required scenarios phrase theirs. */
const askFor = (message: string, field: string, property: PrimitiveSchemaDefinition = { type: 'string' }): InputRequest =>
  inputRequired.elicit({ message, requestedSchema: { type: 'object', properties: { [field]: property }, required: [field] } });

const askLlm = (prompt: string, maxTokens: number): InputRequest =>
  inputRequired.createMessage({ messages: [{ role: 'user', content: text(prompt) }], maxTokens });

/** The text of a sampling answer, or its content as JSON when it is not a single text block. */
function samplingText({ content }: Extract<InputResponseView, { kind: 'sampling' }>['result']): string {
  return !Array.isArray(content) && content.type === 'text' ? content.text : JSON.stringify(content);
}

/**
 * What the client declared: the request's own envelope on 2026-07-28, the `initialize` of the connection before
 * that (through the gateway, the gateway's declaration, not the client's).
 */
const clientCapabilities = (server: McpServer, ctx: ServerContext): ClientCapabilities | undefined =>
  (ctx.mcpReq.envelope as Record<string, ClientCapabilities> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] ?? server.server.getClientCapabilities();

type Era = 'legacy' | 'modern';
type ElicitForm = Parameters<typeof inputRequired.elicit>[0];

/**
 * Asks the client to fill `form` and reports its answer: pushed on the call's stream on a 2025 connection, in
 * two rounds (`input_required`, then the retried call) on 2026-07-28.
 */
async function elicitation(era: Era, form: ElicitForm, ctx: ServerContext, answerPrefix: string) {
  const report = (action: string, content: unknown) => ({ content: [text(`${answerPrefix}: action=${action}, content=${JSON.stringify(content ?? {})}`)] });
  if (era === 'legacy') {
    const answer = await ctx.mcpReq.send({ method: 'elicitation/create', params: form });
    return report(answer.action, answer.content);
  }
  const answer = inputResponse(ctx.mcpReq.inputResponses, 'form');
  if (answer.kind !== 'elicit') return inputRequired({ inputRequests: { form: inputRequired.elicit(form) } });
  return report(answer.action, answer.content);
}

/**
 * One instance of the fixture for `era`. A `session` instance (a stdio connection, a 2025 HTTP session) follows
 * the fixture's changes for as long as it is connected; a `request` instance is gone before any could matter.
 */
function fixtureServer(era: Era, lifetime: 'request' | 'session'): McpServer {
  const server = new McpServer(
    { name: 'toolgate-conformance', version: '1.0.0' },
    {
      requestState: { verify: requestStates.verify },
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
    },
  );

  // ── tools ──
  server.registerTool('test_simple_text', { description: 'Returns simple text content' }, async () => ({
    content: [text('This is a simple text response for testing.')],
  }));
  server.registerTool('test_image_content', { description: 'Returns image content' }, async () => ({
    content: [{ type: 'image', data: PNG, mimeType: 'image/png' }],
  }));
  server.registerTool('test_audio_content', { description: 'Returns audio content' }, async () => ({
    content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }],
  }));
  server.registerTool('test_embedded_resource', { description: 'Returns an embedded resource' }, async () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
  }));
  server.registerTool('test_multiple_content_types', { description: 'Returns text, image and resource content' }, async () => ({
    content: [
      text('Multiple content types test:'),
      { type: 'image', data: PNG, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
    ],
  }));
  server.registerTool('test_tool_with_logging', { description: 'Sends three info log messages while it runs' }, async (ctx) => {
    // The delays let the client see the messages arrive during the call, which is what the scenario tests.
    for (const [i, message] of ['Tool execution started', 'Tool processing data', 'Tool execution completed'].entries()) {
      if (i > 0) await sleep(50);
      await ctx.mcpReq.log('info', message);
    }
    return { content: [text('Tool with logging executed successfully')] };
  });
  server.registerTool('test_tool_with_progress', { description: 'Reports progress 0, 50 and 100 of 100' }, async (ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    for (const progress of [0, 50, 100]) {
      if (progress > 0) await sleep(50);
      if (progressToken !== undefined) {
        await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` } });
      }
    }
    return { content: [text(String(progressToken))] };
  });
  server.registerTool('test_error_handling', { description: 'Always fails' }, async () => {
    throw new Error('This tool intentionally returns an error for testing');
  });
  server.registerTool('test_reconnection', { description: 'Closes its SSE stream mid-call, then answers on the resumed stream (SEP-1699)' }, async (ctx) => {
    // Only a resumable 2025 HTTP stream can be closed (the SDK offers closeSSE there): the result is kept in the
    // session's event store and reaches the client once it reconnects with GET and Last-Event-ID. stdio has no
    // stream, and 2026-07-28 streams are not resumable, so there the call just answers.
    ctx.http?.closeSSE?.();
    await sleep(100);
    return { content: [text('Reconnection test completed successfully.')] };
  });
  server.registerTool(
    'test_sampling',
    { description: 'Asks the client for an LLM completion', inputSchema: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }) },
    async ({ prompt }, ctx) => {
      if (era === 'legacy') {
        const answer = await ctx.mcpReq.send({ method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: text(prompt) }], maxTokens: 100 } });
        return { content: [text(`LLM response: ${samplingText(answer)}`)] };
      }
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'completion');
      if (answer.kind !== 'sampling') return inputRequired({ inputRequests: { completion: askLlm(prompt, 100) } });
      return { content: [text(`LLM response: ${samplingText(answer.result)}`)] };
    },
  );
  server.registerTool(
    'test_elicitation',
    { description: 'Asks the user for a username and email', inputSchema: z.object({ message: z.string().describe('The message to show the user') }) },
    async ({ message }, ctx) => elicitation(era, ELICIT_FORMS.test_elicitation(message), ctx, 'User response'),
  );
  server.registerTool('test_elicitation_sep1034_defaults', { description: 'Elicitation with defaults for every primitive type (SEP-1034)' }, async (ctx) =>
    elicitation(era, ELICIT_FORMS.test_elicitation_sep1034_defaults(), ctx, 'Elicitation completed'),
  );
  server.registerTool('test_elicitation_sep1330_enums', { description: 'Elicitation with the five enum schema forms (SEP-1330)' }, async (ctx) =>
    elicitation(era, ELICIT_FORMS.test_elicitation_sep1330_enums(), ctx, 'Elicitation completed'),
  );
  server.registerTool(
    'json_schema_2020_12_tool',
    { description: 'A tool whose input schema uses JSON Schema 2020-12 features (SEP-1613, SEP-2106)', inputSchema: fromJsonSchema(SCHEMA_2020_12) },
    async (args) => ({ content: [text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`)] }),
  );
  server.registerTool(
    'test_custom_header',
    { description: 'Takes a region mirrored in the Mcp-Param-Region header (SEP-2243)', inputSchema: fromJsonSchema<{ region: string }>(CUSTOM_HEADER_SCHEMA) },
    async ({ region }) => ({ content: [text(`Region: ${region}`)] }),
  );

  // ── 2026-07-28: input_required flows (SEP-2322), each answerable on either era (see the top of the file) ──
  server.registerTool('test_input_required_result_elicitation', { description: 'Asks for a name, then greets' }, async (ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_name', z.object({ name: z.string() }));
    // A wrong, missing or malformed answer is asked for again, as the missing-input-response scenario prefers.
    if (!answer) return inputRequired({ inputRequests: { user_name: askFor('What is your name?', 'name') } });
    return { content: [text(`Hello, ${answer.name}!`)] };
  });
  server.registerTool('test_input_required_result_sampling', { description: 'Asks the client for an LLM completion' }, async (ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'capital_question');
    if (answer.kind !== 'sampling') return inputRequired({ inputRequests: { capital_question: askLlm('What is the capital of France?', 100) } });
    return { content: [text(`Sampling result: ${samplingText(answer.result)}`)] };
  });
  server.registerTool('test_input_required_result_list_roots', { description: "Asks for the client's roots" }, async (ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
    if (answer.kind !== 'roots') return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
    return { content: [text(`Roots: ${answer.roots.map((root) => root.uri).join(', ')}`)] };
  });
  // The request-state scenario wants "state-ok" once the echoed state checks out; the tampered-state one wants
  // the same flow to refuse a state that does not (which the codec's `verify` does before the handler runs).
  for (const tool of ['test_input_required_result_request_state', 'test_input_required_result_tampered_state']) {
    server.registerTool(tool, { description: 'Asks for a confirmation, carrying signed requestState' }, async (ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'confirm', z.object({ ok: z.boolean() }));
      if (answer && stateFor(ctx, tool)) return { content: [text(`state-ok: confirmed=${answer.ok}`)] };
      return inputRequired({ inputRequests: { confirm: askFor('Please confirm', 'ok', { type: 'boolean' }) }, requestState: await requestStates.mint({ tool, round: 1 }) });
    });
  }
  server.registerTool('test_input_required_result_multiple_inputs', { description: 'Asks for a name, an LLM greeting and the roots at once' }, async (ctx) => {
    const tool = 'test_input_required_result_multiple_inputs';
    const name = acceptedContent(ctx.mcpReq.inputResponses, 'user_name', z.object({ name: z.string() }));
    const greeting = inputResponse(ctx.mcpReq.inputResponses, 'greeting');
    const roots = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
    if (stateFor(ctx, tool) && name && greeting.kind === 'sampling' && roots.kind === 'roots') {
      return { content: [text(`Name: ${name.name}; Greeting: ${samplingText(greeting.result)}; Roots: ${roots.roots.length}`)] };
    }
    return inputRequired({
      inputRequests: { user_name: askFor('What is your name?', 'name'), greeting: askLlm('Generate a greeting', 50), client_roots: inputRequired.listRoots() },
      requestState: await requestStates.mint({ tool, round: 1 }),
    });
  });
  server.registerTool('test_input_required_result_multi_round', { description: 'Asks for a name, then a colour, in two rounds' }, async (ctx) => {
    const tool = 'test_input_required_result_multi_round';
    const state = stateFor(ctx, tool);
    const name = acceptedContent(ctx.mcpReq.inputResponses, 'step1', z.object({ name: z.string() }));
    const colour = acceptedContent(ctx.mcpReq.inputResponses, 'step2', z.object({ color: z.string() }));
    if (state?.round === 2 && colour) return { content: [text(`Multi-round complete for ${state.name} who likes ${colour.color}`)] };
    if (state?.round === 1 && name) {
      return inputRequired({
        inputRequests: { step2: askFor('Step 2: What is your favorite color?', 'color') },
        requestState: await requestStates.mint({ tool, round: 2, name: name.name }),
      });
    }
    return inputRequired({ inputRequests: { step1: askFor('Step 1: What is your name?', 'name') }, requestState: await requestStates.mint({ tool, round: 1 }) });
  });
  server.registerTool('test_input_required_result_capabilities', { description: 'Asks only for the kinds of input the client declared' }, async (ctx) => {
    const answered = Object.keys(ctx.mcpReq.inputResponses ?? {});
    if (answered.length > 0) return { content: [text(`capabilities-ok: received ${answered.join(',')}`)] };
    const declared = clientCapabilities(server, ctx);
    const inputRequests = {
      ...(declared?.elicitation && { elicit_input: askFor('Elicitation input', 'value') }),
      ...(declared?.sampling && { sample_input: askLlm('Sample request', 50) }),
    };
    if (Object.keys(inputRequests).length === 0) return { content: [text('No supported capabilities declared')] };
    return inputRequired({ inputRequests });
  });

  // ── 2026-07-28: server-stateless diagnostics (SEP-2575) ──
  server.registerTool('test_missing_capability', { description: 'Needs sampling: refused (-32021) to a client that did not declare it' }, async (ctx) => {
    // The SDK answers -32021 itself when an input request needs a capability the request did not declare.
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'completion');
    if (answer.kind !== 'sampling') return inputRequired({ inputRequests: { completion: askLlm('Say anything', 10) } });
    return { content: [text('Success')] };
  });
  server.registerTool('test_streaming_elicitation', { description: 'Asks for input mid-call: an input_required result, never a request of its own' }, async (ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'proceed', z.object({ proceed: z.boolean() }));
    if (!answer) return inputRequired({ inputRequests: { proceed: askFor('Proceed?', 'proceed', { type: 'boolean' }) } });
    return { content: [text(`Streaming complete: proceed=${answer.proceed}`)] };
  });
  server.registerTool('test_cancellation', { description: 'Runs until cancelled (at most 10 s); test_cancelled_calls counts the cancelled ones' }, async (ctx) => {
    const signal = ctx.mcpReq.signal;
    const cancelled = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve(true)), { once: true });
    });
    if (cancelled) fixture.cancelledCalls++;
    return { content: [text(cancelled ? 'cancelled' : 'ran to the end')] };
  });
  server.registerTool('test_cancelled_calls', { description: 'How many test_cancellation calls were cancelled' }, async () => ({
    content: [text(String(fixture.cancelledCalls))],
  }));
  server.registerTool('test_logging_tool', { description: 'Logs at info: a request without a log level must see nothing of it' }, async (ctx) => {
    await ctx.mcpReq.log('info', 'test_logging_tool ran');
    return { content: [text('Logging evaluated')] };
  });
  // The list-changed checks need a real change, so each trigger shows or hides an item of its own.
  const dynamicTool = server.registerTool('test_dynamic_tool', { description: 'Listed or not, as test_trigger_tool_change last left it' }, async () => ({
    content: [text('Dynamic tool')],
  }));
  const dynamicPrompt = server.registerPrompt('test_dynamic_prompt', { description: 'Listed or not, as test_trigger_prompt_change last left it' }, async () => ({
    messages: [{ role: 'user', content: text('Dynamic prompt') }],
  }));
  // Called before the instance is connected too, where it notifies nobody: an instance starts as the fixture is.
  const show = (item: RegisteredTool | RegisteredPrompt, shown: boolean) => {
    if (item.enabled === shown) return;
    if (shown) item.enable();
    else item.disable();
  };
  show(dynamicTool, fixture.toolShown);
  show(dynamicPrompt, fixture.promptShown);
  server.registerTool('test_trigger_tool_change', { description: 'Shows or hides test_dynamic_tool (tools/list_changed)' }, async () => {
    fixture.change({ kind: 'tools' });
    return { content: [text('Tool list changed')] };
  });
  server.registerTool('test_trigger_prompt_change', { description: 'Shows or hides test_dynamic_prompt (prompts/list_changed)' }, async () => {
    fixture.change({ kind: 'prompts' });
    return { content: [text('Prompt list changed')] };
  });

  // ── resources ──
  const staticResource = (name: string, uri: string, mimeType: string, description: string, body: { text: string } | { blob: string }) =>
    server.registerResource(name, uri, { description, mimeType }, async () => ({ contents: [{ uri, mimeType, ...body }] }));
  staticResource('static-text', 'test://static-text', 'text/plain', 'A static text resource', { text: 'This is the content of the static text resource.' });
  staticResource('static-binary', 'test://static-binary', 'image/png', 'A static binary resource (a PNG)', { blob: PNG });
  server.registerResource('watched-resource', WATCHED_RESOURCE, { description: 'A resource that changes shortly after each subscription to it', mimeType: 'text/plain' }, async () => ({
    contents: [{ uri: WATCHED_RESOURCE, mimeType: 'text/plain', text: `Watched resource content (revision ${fixture.watchedRevision})` }],
  }));
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { description: 'A resource template with parameter substitution', mimeType: 'application/json' },
    async (uri, { id }) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }) }],
    }),
  );
  // No scenario waits for an update, but one is sent all the same: a subscription to the watched resource
  // changes it shortly after (over HTTP a 2026-07-28 listen stream does too, see below), so every subscriber
  // gets notifications/resources/updated while it is connected.
  const subscribed = new Set<string>();
  server.server.setRequestHandler('resources/subscribe', async ({ params: { uri } }) => {
    subscribed.add(uri);
    if (uri === WATCHED_RESOURCE) changeWatchedSoon();
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', async ({ params: { uri } }) => {
    subscribed.delete(uri);
    return {};
  });

  // ── prompts ──
  server.registerPrompt('test_simple_prompt', { description: 'A prompt without arguments' }, async () => ({
    messages: [{ role: 'user', content: text('This is a simple prompt for testing.') }],
  }));
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      description: 'A prompt with two required arguments',
      argsSchema: z.object({
        // completion-complete asks for completions of arg1.
        arg1: completable(z.string().describe('First test argument'), (value) => ['paris', 'park', 'party', 'test'].filter((v) => v.startsWith(value))),
        arg2: z.string().describe('Second test argument'),
      }),
    },
    async ({ arg1, arg2 }) => ({ messages: [{ role: 'user', content: text(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`) }] }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    { description: 'A prompt that embeds a resource', argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }) },
    async ({ resourceUri }) => ({
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
        { role: 'user', content: text('Please process the embedded resource above.') },
      ],
    }),
  );
  server.registerPrompt('test_input_required_result_prompt', { description: 'Asks what context to use, then returns a prompt with it' }, async (ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_context', z.object({ context: z.string() }));
    if (!answer) return inputRequired({ inputRequests: { user_context: askFor('What context should the prompt use?', 'context') } });
    return { messages: [{ role: 'user', content: text(`Prompt with context: ${answer.context}`) }] };
  });
  server.registerPrompt('test_prompt_with_image', { description: 'A prompt that includes an image' }, async () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: text('Please analyze the image above.') },
    ],
  }));

  if (lifetime === 'session') {
    const follow = (change: Change) => {
      if (change.kind === 'tools') show(dynamicTool, fixture.toolShown);
      if (change.kind === 'prompts') show(dynamicPrompt, fixture.promptShown);
      // On 2026-07-28 the SDK's listen router decides which subscription streams want it.
      if (change.kind === 'resource' && (era === 'modern' || subscribed.has(change.uri))) void server.server.sendResourceUpdated({ uri: change.uri });
    };
    fixture.changes.on('change', follow);
    server.server.onclose = () => void fixture.changes.off('change', follow);
  }
  return server;
}

const { values: options } = parseArgs({
  options: { http: { type: 'boolean', default: false }, eras: { type: 'string', default: 'dual' }, port: { type: 'string', default: '0' } },
});
if (!options.http) {
  // serveStdio takes no event bus, so a 2026-07-28 listen stream opening over stdio is not seen, and changes nothing.
  serveStdio(({ era }) => fixtureServer(era, 'session'));
} else {
  const eras = options.eras as Eras;
  if (!ERAS.includes(eras)) throw new Error(`--eras must be one of ${ERAS.join(', ')}, not ${options.eras}`);
  const { url, notify } = await serveHttp(fixtureServer, eras, Number(options.port), changeWatchedSoon);
  // The SDK builds a fresh instance per 2026-07-28 request, so changes reach listen streams through the handler.
  fixture.changes.on('change', (change) => {
    if (change.kind === 'tools') notify?.toolsChanged();
    if (change.kind === 'prompts') notify?.promptsChanged();
    if (change.kind === 'resource') notify?.resourceUpdated(change.uri);
  });
  console.log(`listening ${url}`);
}

