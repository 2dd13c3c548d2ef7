import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocumentError } from '../documents/errors.js';
import { loadConfig, parseConfig } from './load.js';

const CLIENT_CONFIGS = new URL('../../test/fixtures/client-configs/', import.meta.url).pathname;

function problems(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(text, 'toolgate.yaml', env, '/srv');
  } catch (error) {
    assert.ok(error instanceof DocumentError);
    return error.message;
  }
  assert.fail('expected the configuration to be refused');
}

describe('configuration', () => {
  test('a stdio server in the mcpServers shape gets its defaults', () => {
    const config = parseConfig('mcpServers:\n  fs:\n    command: npx\n    args: [-y, server]\n    cwd: data\n', 'toolgate.yaml', {}, '/srv');
    assert.deepEqual(config.servers.fs, { command: 'npx', args: ['-y', 'server'], env: {}, cwd: '/srv/data', protocol: 'auto' });
    assert.equal(config.listen, '127.0.0.1:7420');
  });

  test('JSON is read as well as YAML', () => {
    const config = parseConfig('{"servers": {"remote": {"url": "https://example.com/mcp"}}}', 'toolgate.json', {});
    assert.deepEqual(config.servers.remote, { url: 'https://example.com/mcp', headers: {}, transport: 'streamable-http', protocol: 'auto' });
  });

  test('${NAME} and ${NAME:-default} are filled from the environment', () => {
    const config = parseConfig('servers:\n  r:\n    url: https://h/mcp\n    headers: { Authorization: "Bearer ${TOKEN}", X-Team: "${TEAM:-core}" }\n', 'f', { TOKEN: 's3cret' });
    assert.deepEqual((config.servers.r as { headers: Record<string, string> }).headers, { Authorization: 'Bearer s3cret', 'X-Team': 'core' });
  });

  test('an unset variable names where it was used', () => {
    assert.equal(problems('servers:\n  s:\n    command: x\n    env: { KEY: "${NOPE}" }\n'), 'toolgate.yaml: /servers/s/env/KEY: environment variable NOPE is not set');
  });

  test('an unknown field is named', () => {
    assert.equal(problems('servers:\n  s:\n    command: x\n    argz: []\n'), 'toolgate.yaml: /servers/s: unknown field "argz" (did you mean "args"?)');
    assert.equal(problems('listn: 1\nservers:\n  s:\n    command: x\n'), 'toolgate.yaml: /: unknown field "listn" (did you mean "listen"?)');
    assert.match(problems('servers:\n  s:\n    command: x\n    zzz: 1\n'), /\/servers\/s: unknown field "zzz"; expected one of type, command, args, env, envFile, cwd/);
  });

  test('a server with neither or both of command and url is refused', () => {
    assert.match(problems('servers:\n  s: {}\n'), /\/servers\/s: a server needs either "command" \(stdio\) or "url" \(HTTP\)/);
    assert.match(problems('servers:\n  s: { command: x, url: "http://h" }\n'), /\/servers\/s: a server needs either/);
  });

  test('wrong types and values say what was expected', () => {
    assert.match(problems('servers:\n  s: { url: "ftp://h" }\n'), /\/servers\/s\/url: expected an http:\/\/ or https:\/\/ URL/);
    assert.equal(problems('servers:\n  s: { command: x, args: "-y" }\n'), 'toolgate.yaml: /servers/s/args: expected a list, got the text "-y"');
    assert.equal(problems('servers:\n  s: { command: 12 }\n'), 'toolgate.yaml: /servers/s/command: expected text, got the number 12');
    assert.match(problems('listen: nowhere\nservers:\n  s: { command: x }\n'), /\/listen: expected host:port/);
    assert.equal(problems('servers:\n  s: { command: x, protocol: new }\n'), 'toolgate.yaml: /servers/s/protocol: expected one of auto, legacy, modern, got the text "new"');
  });

  test('server names that would break URLs or prefixes are refused', () => {
    assert.match(problems('servers:\n  a__b: { command: x }\n'), /\/servers\/a__b: invalid name/);
    assert.match(problems('servers:\n  "a/b": { command: x }\n'), /\/servers\/a~1b: invalid name/);
  });

  test('no servers, or both server blocks, are refused', () => {
    assert.match(problems('servers: {}\n'), /\/servers: at least one server is required/);
    assert.match(problems('servers:\n  a: { command: x }\nmcpServers:\n  b: { command: y }\n'), /use either "servers" or "mcpServers"/);
  });

  test('text that is not YAML says so', () => {
    assert.match(problems('servers: [unclosed\n'), /^toolgate.yaml: \/: not valid YAML: .* at line 2, column 1/);
  });

  describe('store', () => {
    const stores = (store: string) => parseConfig(`store: ${store}\nservers:\n  a: { command: x }\n`, 'toolgate.yaml', {}, '/srv').store;

    const FILE = 'sqlite:/srv/toolgate.db';

    test('one place holds every part but the sessions, which stay in this process; paths are relative to the file', () => {
      assert.deepEqual(stores('sqlite:./state.db'), {
        counters: 'sqlite:/srv/state.db',
        grants: 'sqlite:/srv/state.db',
        audit: 'sqlite:/srv/state.db',
        pins: 'sqlite:/srv/state.db',
        approvals: 'sqlite:/srv/state.db',
        sessions: 'memory',
      });
      assert.deepEqual(parseConfig('servers:\n  a: { command: x }\n', 'toolgate.yaml', {}, '/srv').store.audit, FILE);
    });

    test('a Redis URL holds the counters and sessions only; the rest stay in the default file', () => {
      const redis = 'redis://127.0.0.1:6379/0';
      assert.deepEqual(stores(redis), { counters: redis, grants: FILE, audit: FILE, pins: FILE, approvals: FILE, sessions: redis });
    });

    test('a place per part', () => {
      assert.deepEqual(stores('{ counters: "redis://r/0", grants: "postgres://p/db", audit: "jsonl:./audit.jsonl", sessions: "redis://r/1" }'), {
        counters: 'redis://r/0',
        grants: 'postgres://p/db',
        audit: 'jsonl:/srv/audit.jsonl',
        pins: 'postgres://p/db',
        approvals: 'postgres://p/db',
        sessions: 'redis://r/1',
      });
      assert.equal(stores('{ audit: "jsonl:-" }').audit, 'jsonl:-', 'stdout is not a path');
      assert.equal(stores('{ grants: "sqlite:./g.db", pins: "sqlite:./p.db" }').pins, 'sqlite:/srv/p.db', 'a pins file is relative to the file too');
      assert.equal(stores('{ grants: "sqlite:./g.db" }').sessions, 'memory', 'sessions stay in this process unless named');
    });

    test('the shorthand puts the records in sql, counters and sessions in kv', () => {
      assert.deepEqual(stores('{ sql: "postgres://p/db", kv: "redis://r/0" }'), {
        counters: 'redis://r/0',
        grants: 'postgres://p/db',
        audit: 'postgres://p/db',
        pins: 'postgres://p/db',
        approvals: 'postgres://p/db',
        sessions: 'redis://r/0',
      });
    });

    test('parts named beside the shorthand override it', () => {
      assert.deepEqual(stores('{ sql: "postgres://p/db", kv: "redis://r/0", audit: "jsonl:./audit.jsonl", sessions: memory }'), {
        counters: 'redis://r/0',
        grants: 'postgres://p/db',
        audit: 'jsonl:/srv/audit.jsonl',
        pins: 'postgres://p/db',
        approvals: 'postgres://p/db',
        sessions: 'memory',
      });
      assert.equal(stores('{ sql: "postgres://p/db", counters: "sqlite:./counts.db" }').counters, 'sqlite:/srv/counts.db', 'counters named beside a PostgreSQL sql need no kv');
    });

    test('without kv, SQLite counts and the sessions stay in this process; kv alone leaves the records in the default file', () => {
      const file = 'sqlite:/srv/state.db';
      assert.deepEqual(stores('{ sql: "sqlite:./state.db" }'), { counters: file, grants: file, audit: file, pins: file, approvals: file, sessions: 'memory' });
      assert.deepEqual(stores('{ kv: "redis://r/0" }'), { counters: 'redis://r/0', grants: FILE, audit: FILE, pins: FILE, approvals: FILE, sessions: 'redis://r/0' });
    });

    test('a part where it cannot live is named', () => {
      assert.match(problems('store: { grants: "redis://r/0" }\nservers:\n  a: { command: x }\n'), /\/store\/grants: grants live in memory, sqlite:PATH or postgres:\/\/…, not "redis:\/\/r\/0"/);
      assert.match(problems('store: { audit: "redis://r/0" }\nservers:\n  a: { command: x }\n'), /\/store\/audit: audit live in memory, sqlite:PATH, postgres:\/\/… or jsonl:PATH/);
      assert.match(problems('store: postgres://p/db\nservers:\n  a: { command: x }\n'), /\/store: counters live in memory, sqlite:PATH or redis:/);
      assert.match(problems('store: { pins: "redis://r/0" }\nservers:\n  a: { command: x }\n'), /\/store\/pins: pins live in memory, sqlite:PATH or postgres:\/\/…, not "redis:\/\/r\/0"/);
      assert.match(problems('store: { sessions: "postgres://p/db" }\nservers:\n  a: { command: x }\n'), /\/store\/sessions: sessions live in memory \(this process only\) or redis:\/\/HOST:PORT\/DB, not "postgres:\/\/p\/db"/);
    });

    test('a shorthand place of the wrong kind is named with what it expects', () => {
      const config = (store: string) => problems(`store: ${store}\nservers:\n  a: { command: x }\n`);
      assert.match(config('{ sql: "redis://r/0", kv: "redis://r/0" }'), /\/store\/sql: expected a postgres:\/\/ URL or sqlite:PATH \(where grants, the audit log, pins and approvals live\), not "redis:\/\/r\/0"/);
      assert.match(config('{ sql: "postgres://p/db", kv: "postgres://p/db" }'), /\/store\/kv: expected a redis:\/\/ URL \(where counters and sessions live\), not "postgres:\/\/p\/db"/);
      assert.match(config('{ sql: "memory" }'), /\/store\/sql: expected a postgres:\/\/ URL or sqlite:PATH/);
    });

    test('a PostgreSQL sql without kv is refused: there is no PostgreSQL counter store to put the counters in', () => {
      assert.match(problems('store: { sql: "postgres://p/db" }\nservers:\n  a: { command: x }\n'), /\/store\/kv: expected a redis:\/\/ URL for the counters beside sql: postgres:\/\/…/);
    });
  });

  test('pinning is block unless set, for the gateway or one server, to a mode it names', () => {
    const config = (text: string) => parseConfig(text, 'toolgate.yaml', {}, '/srv');
    assert.equal(config('servers:\n  a: { command: x }\n').pinning, 'block');
    const set = config('pinning: review\nservers:\n  a: { command: x, pinning: off }\n  b: { url: "http://127.0.0.1:1/mcp" }\n');
    assert.deepEqual([set.pinning, set.servers.a!.pinning, set.servers.b!.pinning], ['review', 'off', undefined]);
    assert.match(problems('pinning: sometimes\nservers:\n  a: { command: x }\n'), /\/pinning: expected block, review, warn or off/);
    assert.match(problems('servers:\n  a: { command: x, pinning: true }\n'), /\/servers\/a\/pinning: expected block, review, warn or off/);
  });

  test('auth: jwt needs its settings; admin.token_sha256 and metrics.token_sha256 must be SHA-256s', () => {
    assert.match(problems('auth: jwt\nservers:\n  a: { command: x }\n'), /\/jwt: auth: jwt needs jwt: \{ issuer, audience, jwks_url \}/);
    assert.match(problems('admin: { token_sha256: tga_plain }\nservers:\n  a: { command: x }\n'), /\/admin\/token_sha256: expected 64 lowercase hex digits/);
    assert.match(problems('metrics: { token_sha256: ABC }\nservers:\n  a: { command: x }\n'), /\/metrics\/token_sha256: expected 64 lowercase hex digits/);
    assert.match(problems('metrics: { public: true }\nservers:\n  a: { command: x }\n'), /\/metrics: .*public/);
  });

  test('audit.signing_key is a path, resolved against the file, with ${NAME} as everywhere', () => {
    const config = (text: string, env: NodeJS.ProcessEnv = {}) => parseConfig(`${text}\nservers:\n  a: { command: x }\n`, 'toolgate.yaml', env, '/srv').audit;
    assert.deepEqual(config('audit: { signing_key: ./keys/audit.pem }'), { enabled: true, signing_key: '/srv/keys/audit.pem' });
    assert.equal(config('audit: { signing_key: "${KEYS}/audit.pem" }', { KEYS: '/etc/toolgate' }).signing_key, '/etc/toolgate/audit.pem');
    assert.equal(config('audit: { retain_days: 30 }').signing_key, undefined);
    for (const bad of ['""', '42']) {
      assert.match(problems(`audit: { signing_key: ${bad} }\nservers:\n  a: { command: x }\n`), /\/audit\/signing_key: expected the path of an Ed25519 private key file \(from `toolgate audit keygen`\)/);
    }
  });

  test('tracing needs an http(s) OTLP endpoint and a sample ratio between 0 and 1', () => {
    assert.match(problems('tracing: { otlp_endpoint: "grpc://collector:4317" }\nservers:\n  a: { command: x }\n'), /\/tracing\/otlp_endpoint: expected an http:\/\/ or https:\/\/ URL/);
    assert.match(problems('tracing: { otlp_endpoint: "http://c:4318/v1/traces", sample_ratio: 2 }\nservers:\n  a: { command: x }\n'), /\/tracing\/sample_ratio: /);
  });
  describe('server names that are prototype keys', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'prototype']) {
      for (const key of ['servers', 'mcpServers']) {
        test(`a server named ${name} under ${key} is a server like any other`, () => {
          const config = parseConfig(`${key}:\n  ${name}: { command: x, policy: ./p.json }\n`, 'toolgate.yaml', {}, '/srv');
          assert.deepEqual(Object.keys(config.servers), [name]);
          assert.equal(config.servers[name]?.policy, '/srv/p.json');
        });
      }
      test(`a configuration without a server named ${name} has none`, () => {
        assert.equal(parseConfig('servers:\n  a: { command: x }\n', 'toolgate.yaml', {}, '/srv').servers[name], undefined);
      });
    }

    test('__proto__ is not a server name, and the error says so rather than dropping the entry', () => {
      assert.match(problems('servers:\n  a: { command: x }\n  __proto__: { command: y }\n'), /toolgate.yaml: \/servers\/__proto__: invalid name: a server name uses letters/);
      assert.match(problems('{"servers": {"__proto__": {"command": "y"}}}'), /\/servers\/__proto__: invalid name/);
    });

    test('an inline policy naming a tool __proto__ keeps it', () => {
      const config = parseConfig('{"servers": {"a": {"command": "x", "policy": {"version": "1", "default": "allow", "tools": {"__proto__": {"deny": true}}}}}}', 'toolgate.json', {});
      assert.deepEqual(JSON.parse(JSON.stringify(config.servers.a?.policy)), { version: '1', default: 'allow', tools: { ['__proto__']: { deny: true } } });
    });
  });

  describe('a file a client wrote loads as it is', () => {
    const load = (name: string, env: NodeJS.ProcessEnv = {}) => loadConfig(join(CLIENT_CONFIGS, name), env);

    test('Claude Desktop: stdio servers without a type', () => {
      const config = load('claude-desktop.json', { GITHUB_TOKEN: 'ghp_x' });
      assert.deepEqual(Object.keys(config.servers), ['filesystem', 'github']);
      assert.deepEqual(config.servers.github, {
        command: 'docker',
        args: ['run', '-i', '--rm', '-e', 'GITHUB_PERSONAL_ACCESS_TOKEN', 'ghcr.io/github/github-mcp-server'],
        env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_x' },
        cwd: CLIENT_CONFIGS.replace(/\/$/, ''),
        protocol: 'auto',
      });
    });

    test('Claude Code: type http, sse and stdio, and ${NAME:-default}', () => {
      const config = load('claude-code-mcp.json', { AIRTABLE_API_KEY: 'key' });
      assert.deepEqual(config.servers.sentry, { url: 'https://mcp.sentry.dev/mcp', headers: {}, transport: 'streamable-http', protocol: 'auto' });
      assert.deepEqual(config.servers.asana, { url: 'https://mcp.asana.com/sse', headers: {}, transport: 'sse', protocol: 'auto' });
      assert.equal('type' in config.servers.airtable!, false, 'type is read, not kept');
      assert.deepEqual((config.servers.airtable as { env: object }).env, { AIRTABLE_API_KEY: 'key' });
    });

    test('Cursor: ${env:NAME}, ${userHome} and an envFile under the server\'s own env', () => {
      const config = load('cursor.json', { LINEAR_TOKEN: 'lin' });
      assert.deepEqual((config.servers.linear as { headers: object }).headers, { Authorization: 'Bearer lin' });
      const memory = config.servers.memory as { env: object; envFile: string };
      assert.equal(memory.envFile, join(CLIENT_CONFIGS, '.env'), 'envFile resolves against the configuration\'s folder');
      assert.deepEqual(memory.env, { API_BASE: 'https://example.test', FETCH_TOKEN: 'quoted value', MEMORY_FILE_PATH: `${homedir()}/.memory.json` });
    });

    test('VS Code: servers with inputs, ${workspaceFolder} the folder above .vscode', () => {
      const project = mkdtempSync(join(tmpdir(), 'toolgate-vscode-'));
      mkdirSync(join(project, '.vscode'));
      const file = join(project, '.vscode', 'mcp.json');
      writeFileSync(file, readFixture('vscode-mcp.json'));
      writeFileSync(join(project, '.env'), 'FETCH_TOKEN=abc\n');
      const config = loadConfig(file, { GITHUB_TOKEN: 'gh' });
      assert.deepEqual((config.servers.fetch as { env: object }).env, { FETCH_TOKEN: 'abc' });
      assert.deepEqual(config.servers.legacy, { url: 'http://localhost:3001/sse', headers: {}, transport: 'sse', protocol: 'auto' });
      assert.equal((config.servers.github as { transport: string }).transport, 'streamable-http');
    });

    test('${input:ID} is refused with what to do instead', () => {
      assert.equal(
        problems('servers:\n  s:\n    command: x\n    env: { KEY: "${input:api-key}" }\n'),
        'toolgate.yaml: /servers/s/env/KEY: ${input:api-key} asks the user for a value, which a gateway cannot do: set an environment variable and write ${NAME}',
      );
    });

    test('a type that contradicts the server\'s shape or its transport is named', () => {
      assert.match(problems('servers:\n  s: { type: http, command: x }\n'), /\/servers\/s\/type: expected stdio \(a server with "command"\)/);
      assert.match(problems('servers:\n  s: { type: stdio, url: "http://h/mcp" }\n'), /\/servers\/s\/type: expected http, streamable-http or sse/);
      assert.equal(problems('servers:\n  s: { type: sse, transport: streamable-http, url: "http://h/mcp" }\n'), 'toolgate.yaml: /servers/s/transport: type: sse says sse, transport says streamable-http: give one');
    });

    test('a missing envFile is the field\'s error', () => {
      assert.equal(problems('servers:\n  s: { command: x, envFile: nope.env }\n'), 'toolgate.yaml: /servers/s/envFile: /srv/nope.env: no such file');
    });
  });
});

function readFixture(name: string): string {
  return readFileSync(join(CLIENT_CONFIGS, name), 'utf8');
}
