import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DocumentError } from '../documents/errors.js';
import { parseConfig } from './load.js';

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
    assert.equal(problems('servers:\n  s:\n    command: x\n    argz: []\n'), 'toolgate.yaml: /servers/s: unknown field "argz"');
    assert.equal(problems('listn: 1\nservers:\n  s:\n    command: x\n'), 'toolgate.yaml: /: unknown field "listn"');
  });

  test('a server with neither or both of command and url is refused', () => {
    assert.match(problems('servers:\n  s: {}\n'), /\/servers\/s: a server needs either "command" \(stdio\) or "url" \(HTTP\)/);
    assert.match(problems('servers:\n  s: { command: x, url: "http://h" }\n'), /\/servers\/s: a server needs either/);
  });

  test('wrong types and values say what was expected', () => {
    assert.match(problems('servers:\n  s: { url: "ftp://h" }\n'), /\/servers\/s\/url: expected an http:\/\/ or https:\/\/ URL/);
    assert.match(problems('servers:\n  s: { command: x, args: "-y" }\n'), /\/servers\/s\/args: /);
    assert.match(problems('listen: nowhere\nservers:\n  s: { command: x }\n'), /\/listen: expected host:port/);
    assert.match(problems('servers:\n  s: { command: x, protocol: new }\n'), /\/servers\/s\/protocol: .*"auto"\|"legacy"\|"modern"/);
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
    assert.match(problems('servers: [unclosed\n'), /toolgate.yaml: \/: not valid YAML or JSON/);
  });

  describe('store', () => {
    const stores = (store: string) => parseConfig(`store: ${store}\nservers:\n  a: { command: x }\n`, 'toolgate.yaml', {}, '/srv').store;

    test('one place holds every part; paths are relative to the file', () => {
      assert.deepEqual(stores('sqlite:./state.db'), { counters: 'sqlite:/srv/state.db', grants: 'sqlite:/srv/state.db', audit: 'sqlite:/srv/state.db', pins: 'sqlite:/srv/state.db', approvals: 'sqlite:/srv/state.db' });
      assert.deepEqual(parseConfig('servers:\n  a: { command: x }\n', 'toolgate.yaml', {}, '/srv').store.audit, 'sqlite:/srv/toolgate.db');
    });

    test('a Redis URL holds the counters only; the rest stay in the default file', () => {
      assert.deepEqual(stores('redis://127.0.0.1:6379/0'), { counters: 'redis://127.0.0.1:6379/0', grants: 'sqlite:/srv/toolgate.db', audit: 'sqlite:/srv/toolgate.db', pins: 'sqlite:/srv/toolgate.db', approvals: 'sqlite:/srv/toolgate.db' });
    });

    test('a place per part', () => {
      assert.deepEqual(stores('{ counters: "redis://r/0", grants: "postgres://p/db", audit: "jsonl:./audit.jsonl" }'), {
        counters: 'redis://r/0',
        grants: 'postgres://p/db',
        audit: 'jsonl:/srv/audit.jsonl',
        pins: 'postgres://p/db',
        approvals: 'postgres://p/db',
      });
      assert.equal(stores('{ audit: "jsonl:-" }').audit, 'jsonl:-', 'stdout is not a path');
      assert.equal(stores('{ grants: "sqlite:./g.db", pins: "sqlite:./p.db" }').pins, 'sqlite:/srv/p.db', 'a pins file is relative to the file too');
    });

    test('a part where it cannot live is named', () => {
      assert.match(problems('store: { grants: "redis://r/0" }\nservers:\n  a: { command: x }\n'), /\/store\/grants: grants live in memory, sqlite:PATH or postgres:\/\/…, not "redis:\/\/r\/0"/);
      assert.match(problems('store: { audit: "redis://r/0" }\nservers:\n  a: { command: x }\n'), /\/store\/audit: audit live in memory, sqlite:PATH, postgres:\/\/… or jsonl:PATH/);
      assert.match(problems('store: postgres://p/db\nservers:\n  a: { command: x }\n'), /\/store: counters live in memory, sqlite:PATH or redis:/);
      assert.match(problems('store: { pins: "redis://r/0" }\nservers:\n  a: { command: x }\n'), /\/store\/pins: pins live in memory, sqlite:PATH or postgres:\/\/…, not "redis:\/\/r\/0"/);
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
});
