#!/usr/bin/env node
import { completable, inputRequired, inputResponse, McpServer, ResourceTemplate, type ServerContext } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod/v4';

/**
 * The upstream the MCP conformance suite is run through the gateway against: a stdio server (SDK v2, both eras)
 * offering the fixtures the suite's server scenarios call by name. The suite expects them from its own
 * "everything" server, which is not published; names, arguments and texts here follow the scenario sources of
 * @modelcontextprotocol/conformance 0.1.16 (src/scenarios/server/*.ts).
 *
 * Sampling and elicitation are written as multi-round-trip `inputRequired` returns rather than push-style
 * requests: the SDK turns them into real server→client requests on a 2025-era connection and into
 * `input_required` results on a 2026-07-28 one, so the same tool exercises the gateway whichever era it
 * settles with this server.
 */

/** A 1×1 red PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
/** A WAV header with two bytes of data. */
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

const text = (value: string) => ({ type: 'text' as const, text: value });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** json-schema-2020-12 checks that `$schema`, `$defs` and `additionalProperties` survive into tools/list. */
const address = z.object({ street: z.string().optional(), city: z.string().optional() }).meta({ id: 'address' });
const schema2020 = z.strictObject({ name: z.string().optional(), address: address.optional() });

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

/** Asks the client to fill `form` (first round) and reports its answer (the retried round). */
function elicitation(form: Parameters<typeof inputRequired.elicit>[0], ctx: ServerContext, answerPrefix: string) {
  const answer = inputResponse(ctx.mcpReq.inputResponses, 'form');
  if (answer.kind !== 'elicit') return inputRequired({ inputRequests: { form: inputRequired.elicit(form) } });
  return { content: [text(`${answerPrefix}: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`)] };
}

serveStdio(() => {
  const server = new McpServer(
    { name: 'toolgate-conformance', version: '1.0.0' },
    {
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
  server.registerTool('test_reconnection', { description: 'Answers after 100 ms (server-sse-polling calls it)' }, async () => {
    // A stdio server has no SSE stream to close; what the client sees of the stream is the gateway's doing.
    await sleep(100);
    return { content: [text('Reconnection test completed successfully.')] };
  });
  server.registerTool(
    'test_sampling',
    { description: 'Asks the client for an LLM completion', inputSchema: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }) },
    async ({ prompt }, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'completion');
      if (answer.kind !== 'sampling') {
        return inputRequired({
          inputRequests: { completion: inputRequired.createMessage({ messages: [{ role: 'user', content: text(prompt) }], maxTokens: 100 }) },
        });
      }
      const content = answer.result.content;
      const reply = !Array.isArray(content) && content.type === 'text' ? content.text : JSON.stringify(content);
      return { content: [text(`LLM response: ${reply}`)] };
    },
  );
  server.registerTool(
    'test_elicitation',
    { description: 'Asks the user for a username and email', inputSchema: z.object({ message: z.string().describe('The message to show the user') }) },
    async ({ message }, ctx) => elicitation(ELICIT_FORMS.test_elicitation(message), ctx, 'User response'),
  );
  server.registerTool('test_elicitation_sep1034_defaults', { description: 'Elicitation with defaults for every primitive type (SEP-1034)' }, async (ctx) =>
    elicitation(ELICIT_FORMS.test_elicitation_sep1034_defaults(), ctx, 'Elicitation completed'),
  );
  server.registerTool('test_elicitation_sep1330_enums', { description: 'Elicitation with the five enum schema forms (SEP-1330)' }, async (ctx) =>
    elicitation(ELICIT_FORMS.test_elicitation_sep1330_enums(), ctx, 'Elicitation completed'),
  );
  server.registerTool('json_schema_2020_12_tool', { description: 'A tool whose input schema uses JSON Schema 2020-12 features (SEP-1613)', inputSchema: schema2020 }, async (args) => ({
    content: [text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`)],
  }));

  // ── resources ──
  const staticResource = (name: string, uri: string, mimeType: string, description: string, body: { text: string } | { blob: string }) =>
    server.registerResource(name, uri, { description, mimeType }, async () => ({ contents: [{ uri, mimeType, ...body }] }));
  staticResource('static-text', 'test://static-text', 'text/plain', 'A static text resource', { text: 'This is the content of the static text resource.' });
  staticResource('static-binary', 'test://static-binary', 'image/png', 'A static binary resource (a PNG)', { blob: PNG });
  staticResource('watched-resource', 'test://watched-resource', 'text/plain', 'A resource clients subscribe to', { text: 'Watched resource content' });
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { description: 'A resource template with parameter substitution', mimeType: 'application/json' },
    async (uri, { id }) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }) }],
    }),
  );
  // Subscriptions are acknowledged only: no scenario waits for an update.
  server.server.setRequestHandler('resources/subscribe', async () => ({}));
  server.server.setRequestHandler('resources/unsubscribe', async () => ({}));

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
  server.registerPrompt('test_prompt_with_image', { description: 'A prompt that includes an image' }, async () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: text('Please analyze the image above.') },
    ],
  }));
  return server;
});

