import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { mintAdminToken } from '../../src/admin/admin-token.js';
import { catalogue, type ServerCatalogue } from '../../src/catalog/catalogue.js';
import type { ToolDefinition } from '../../src/catalog/tool-definition.js';
import { startHttpFixture, type HttpFixture } from '../support/http-fixture.js';
import { CLIENT_CAPABILITIES, directClient, EVERYTHING, startGateway, type RunningGateway } from './harness.js';

/**
 * `GET /admin/catalog` on a real gateway in front of server-everything (stdio) and an HTTP server that goes away:
 * every tool, classified, with what the server's policy does to it.
 */

const POLICY = {
  version: '1',
  default: 'deny',
  hide: ['get-env'],
  tools: { echo: {}, 'get-sum': { limits: [{ counter: 'sums', window: 'minute', max: 5, scope: 'grant' }] } },
};

const admin = mintAdminToken();
let gateway: RunningGateway;
let gone: HttpFixture;
/** server-everything's tools, as it lists them to a client straight to it. */
let direct: ToolDefinition[];

before(async () => {
  // A server that is gone by the time the gateway starts: it never answers a list.
  gone = await startHttpFixture('legacy');
  gone.close();
  gateway = await startGateway({ everything: { ...EVERYTHING, policy: POLICY }, gone: { url: gone.url } }, { auth: 'grants', admin: { token_sha256: admin.sha256 } });
  const client = await directClient(EVERYTHING);
  direct = (await client.listTools()).tools as ToolDefinition[];
  await client.close();
});

after(async () => {
  await gateway?.close();
  gone?.close();
});

/** `GET /admin/catalog`, with the admin token unless told otherwise (`null`: no Authorization header). */
async function catalog(query = '', authorization: string | null = `Bearer ${admin.token}`) {
  const response = await fetch(`${gateway.base}/admin/catalog${query}`, { headers: authorization === null ? {} : { authorization } });
  return { status: response.status, body: (await response.json()) as { servers?: ServerCatalogue[]; error?: string } };
}

describe('GET /admin/catalog', () => {
  let servers: ServerCatalogue[];
  before(async () => {
    const { status, body } = await catalog();
    assert.equal(status, 200, JSON.stringify(body));
    servers = body.servers!;
  });

  test('lists every server in the configuration\'s order: the one that is down with its error, the other with its tools', () => {
    assert.deepEqual(servers.map((s) => [s.server, s.up]), [['everything', true], ['gone', false]]);
    const down = servers[1]!;
    assert.match(down.error ?? '', /ECONNREFUSED|not available/, 'a server that is down says why');
    assert.deepEqual(down.tools, []);
  });

  test('every tool server-everything lists, classified as the classifier classifies it, with the recommended rule', () => {
    const everything = servers[0]!;
    assert.ok(direct.length > 10, `server-everything lists its tools (${direct.length})`);
    const expected = catalogue(new Map([['everything', direct]])).map(({ server: _, ...entry }) => entry);
    assert.deepEqual(everything.tools.map(({ effect: _, pin: __, ...entry }) => entry).sort(byTool), expected.sort(byTool));
    assert.ok(everything.tools.every((t) => t.pin === 'reviewed'), 'each definition is the one pinned when the gateway first listed it');
    const classes = new Set(everything.tools.map((t) => t.class));
    assert.ok(classes.has('Read') && classes.has('Write'), `reads and writes both appear: ${[...classes].join(', ')}`);
    assert.equal(everything.policy?.length, 12, 'the version of the policy the effects come from');
  });

  test('with the effect the policy implies: one tool allowed, one limited by its counter, one hidden, the rest denied', () => {
    const effects = new Map(servers[0]!.tools.map((t) => [t.tool, t.effect]));
    assert.deepEqual(effects.get('echo'), { effect: 'allowed', rule: '/tools/echo', listed: true, enforced: true });
    assert.deepEqual(effects.get('get-sum'), {
      effect: 'limited',
      rule: '/tools/get-sum',
      listed: true,
      enforced: true,
      limits: [{ rule: '/tools/get-sum/limits/0', counter: 'sums', windowMs: 60_000, max: 5, scope: 'grant' }],
    });
    assert.deepEqual(effects.get('get-env'), { effect: 'hidden', rule: '(hidden)', listed: false, enforced: true });
    const rest = [...effects].filter(([tool]) => !['echo', 'get-sum', 'get-env'].includes(tool));
    assert.ok(rest.length > 5, `the other tools are there (${rest.length})`);
    for (const [tool, effect] of rest) assert.deepEqual(effect, { effect: 'denied', rule: '(default deny)', listed: false, enforced: true }, tool);
  });

  test('what the catalogue says is listed is what an agent under the server\'s policy is shown', async () => {
    const { token } = await gateway.gateway.grants!.create({ label: 'catalog-agent', servers: ['everything'] }, Date.now());
    const agent = new Client({ name: 'toolgate-test', version: '1.0.0' }, { capabilities: CLIENT_CAPABILITIES });
    await agent.connect(new StreamableHTTPClientTransport(gateway.url('everything'), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const shown = (await agent.listTools()).tools.map((t) => t.name).sort();
    await agent.close();
    assert.deepEqual(shown, ['echo', 'get-sum']);
    assert.deepEqual(servers[0]!.tools.filter((t) => t.effect.listed).map((t) => t.tool).sort(), shown);
  });
});

describe('GET /admin/catalog, asked otherwise', () => {
  test('?server= lists that server alone', async () => {
    const { status, body } = await catalog('?server=everything');
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.servers!.map((s) => s.server), ['everything']);
    assert.equal(body.servers![0]!.tools.length, direct.length);
  });

  test('an unknown server is a 404 naming the servers there are; an unknown parameter a 400', async () => {
    assert.deepEqual(await catalog('?server=nope'), { status: 404, body: { error: 'no server "nope" (servers: everything, gone)' } });
    const misspelt = await catalog('?servers=everything');
    assert.equal(misspelt.status, 400, JSON.stringify(misspelt.body));
  });

  test('without the admin token: 401, and a grant token is not one', async () => {
    assert.equal((await catalog('', null)).status, 401);
    const { token } = await gateway.gateway.grants!.create({ label: 'not-admin', servers: ['*'] }, Date.now());
    assert.equal((await catalog('', `Bearer ${token}`)).status, 401);
    assert.equal((await catalog('?server=nope', null)).status, 401, 'before the server is looked up');
  });

  test('any method but GET: 405', async () => {
    const response = await fetch(`${gateway.base}/admin/catalog`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}` } });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET');
  });
});

function byTool(a: { tool: string }, b: { tool: string }): number {
  return a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0;
}
