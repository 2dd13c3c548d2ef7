import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { parsePolicy } from '../../src/policy/parse.js';
import { toMilliseconds } from '../../src/policy/duration.js';

/** docs/deploy/ holds files operators copy as they are: each must parse, line up, and hold a valid configuration. */
const DEPLOY = new URL('../../docs/deploy/', import.meta.url);

// The shapes of the manifests, as far as these tests read them.
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('docs/deploy/kubernetes.yaml', () => {
  const documents = parseAllDocuments(readFileSync(new URL('kubernetes.yaml', DEPLOY), 'utf8'));
  for (const document of documents) assert.deepEqual(document.errors, [], 'every document parses');
  const manifests = documents.map((document) => document.toJS() as Manifest);
  const one = (kind: string) => {
    const found = manifests.filter((manifest) => manifest.kind === kind);
    assert.equal(found.length, 1, `one ${kind}`);
    return found[0]!;
  };
  const configMap = one('ConfigMap');
  const secret = one('Secret');
  const deployment = one('Deployment');
  const service = one('Service');
  const pod = deployment.spec!.template.spec;
  const container = pod.containers[0];
  const mount = container.volumeMounts.find((m: { name: string }) => pod.volumes.some((v: { name: string; configMap?: { name: string } }) => v.name === m.name && v.configMap?.name === configMap.metadata.name));
  const configPath: string = container.args[container.args.indexOf('--config') + 1];
  // The Secret is the environment the configuration's ${…} references are read from.
  const config = parseConfig(configMap.data![basename(configPath)]!, configPath, secret.stringData);

  test('holds a ConfigMap, a Secret, a Deployment of three replicas and a Service', () => {
    assert.deepEqual(manifests.map((manifest) => manifest.kind).sort(), ['ConfigMap', 'Deployment', 'Secret', 'Service']);
    assert.equal(deployment.spec!.replicas, 3);
  });

  test('the container runs toolgate serve on the configuration the ConfigMap mounts', () => {
    assert.deepEqual(container.args.slice(0, 2), ['toolgate', 'serve']);
    assert.ok(mount, 'the ConfigMap is mounted');
    assert.equal(configPath, `${mount.mountPath}/${basename(configPath)}`, 'the configuration is a file of that mount');
    assert.ok(basename(configPath) in configMap.data!, 'and a key of the ConfigMap');
    assert.deepEqual(container.envFrom, [{ secretRef: { name: secret.metadata.name } }], 'credentials come from the Secret');
  });

  test('the configuration is valid, keeps its state in PostgreSQL and Redis, and names no credential itself', () => {
    assert.match(config.store.counters, /^redis:\/\//);
    for (const part of ['grants', 'audit', 'pins', 'approvals'] as const) assert.match(config.store[part], /^postgres:\/\//, `${part} in PostgreSQL`);
    const text = configMap.data![basename(configPath)]!;
    for (const value of Object.values(secret.stringData!)) assert.ok(!text.includes(value), 'no value of the Secret is written in the ConfigMap');
  });

  test('each server policy is a key of the ConfigMap beside the configuration, and a valid policy', () => {
    for (const [name, server] of Object.entries(config.servers)) {
      assert.equal(typeof server.policy, 'string', `${name} names a policy file`);
      const file = server.policy as string;
      assert.equal(file, `${mount.mountPath}/${basename(file)}`, `${name}'s policy is in the mounted folder`);
      const policy = configMap.data![basename(file)];
      assert.ok(policy, `${basename(file)} is a key of the ConfigMap`);
      assert.equal(parsePolicy(policy, file).document.version, '1');
    }
  });

  test('the probes and the Service reach the port the configuration listens on', () => {
    const port = Number(config.listen.split(':').at(-1));
    const named = container.ports.find((p: { name: string }) => p.name === 'http');
    assert.equal(named.containerPort, port);
    assert.deepEqual(container.readinessProbe.httpGet, { path: '/readyz', port: 'http' });
    assert.deepEqual(container.livenessProbe.httpGet, { path: '/healthz', port: 'http' });
    assert.ok(container.readinessProbe.timeoutSeconds > 1, '/readyz waits up to 1 s for a store: the probe waits longer');
    assert.equal(service.spec!.ports[0].targetPort, 'http');
    assert.deepEqual(service.spec!.selector, deployment.spec!.selector.matchLabels);
    assert.deepEqual(deployment.spec!.template.metadata.labels, deployment.spec!.selector.matchLabels);
  });

  test('the kubelet waits longer than the preStop pause and the shutdown grace together', () => {
    const pause = container.lifecycle.preStop.sleep.seconds as number;
    assert.ok(pod.terminationGracePeriodSeconds * 1000 > pause * 1000 + toMilliseconds(config.shutdown.grace), `${pod.terminationGracePeriodSeconds} s`);
  });
});

describe('docs/deploy/toolgate.service', () => {
  const text = readFileSync(new URL('toolgate.service', DEPLOY), 'utf8');
  /** The unit's sections, each key's values in order (a key may be given more than once). */
  const unit = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  for (const line of text.split('\n')) {
    if (/^\s*(#|;|$)/.test(line)) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) unit.set(header[1]!, (section = new Map()));
    else {
      const pair = /^(\w+)=(.*)$/.exec(line);
      assert.ok(pair && section, `a key=value line inside a section: ${line}`);
      section.set(pair[1]!, [...(section.get(pair[1]!) ?? []), pair[2]!]);
    }
  }
  const service = unit.get('Service')!;
  const value = (key: string) => service.get(key)?.at(-1);

  test('has the Unit, Service and Install sections', () => {
    assert.deepEqual([...unit.keys()], ['Unit', 'Service', 'Install']);
  });

  test('runs the installed toolgate serve with a configuration, as a dedicated user', () => {
    assert.match(value('ExecStart') ?? '', /^\/\S+\/toolgate serve --config \/\S+$/);
    assert.equal(value('User'), 'toolgate');
    assert.equal(value('StateDirectory'), 'toolgate', 'the SQLite file has a place to live under ProtectSystem=strict');
  });

  test('stops with SIGTERM and waits longer than the default shutdown grace', () => {
    assert.equal(value('KillSignal'), 'SIGTERM');
    const grace = toMilliseconds(parseConfig('{"servers":{"a":{"command":"a"}}}', '/etc/toolgate/toolgate.json', {}).shutdown.grace);
    assert.ok(Number(value('TimeoutStopSec')) * 1000 > grace, `TimeoutStopSec=${value('TimeoutStopSec')}`);
    assert.equal(value('Restart'), 'on-failure');
  });

  test('is hardened', () => {
    for (const [key, expected] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes']]) assert.equal(value(key!), expected, key);
  });

  const analyze = spawnSync('systemd-analyze', ['--version']);
  test('systemd-analyze verify finds nothing to say', { skip: analyze.status === 0 ? undefined : 'systemd-analyze is not installed' }, () => {
    // A root of its own, where the ExecStart binary exists: verify checks that it is executable.
    const root = mkdtempSync(join(tmpdir(), 'toolgate-unit-'));
    try {
      const binary = join(root, value('ExecStart')!.split(' ')[0]!);
      mkdirSync(join(binary, '..'), { recursive: true });
      writeFileSync(binary, '#!/bin/sh\n');
      chmodSync(binary, 0o755);
      mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
      copyFileSync(new URL('toolgate.service', DEPLOY), join(root, 'etc/systemd/system/toolgate.service'));
      const verified = spawnSync('systemd-analyze', ['verify', '--man=no', '--recursive-errors=no', `--root=${root}`, '/etc/systemd/system/toolgate.service'], { encoding: 'utf8' });
      assert.equal(verified.stderr, '', 'no warning');
      assert.equal(verified.status, 0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
