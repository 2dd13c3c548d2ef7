import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ListenError, listenError } from './listen-error.js';

const failed = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

test('each reason a port cannot be opened is one sentence naming the address and what to change', () => {
  const cases: [string, string, number, string][] = [
    ['EADDRINUSE', '127.0.0.1', 7420, '127.0.0.1:7420 is already in use (another toolgate?): stop it, or pick another port with --port PORT or listen: in the configuration'],
    ['EACCES', '0.0.0.0', 80, '0.0.0.0:80 needs privileges to listen on (ports below 1024 usually do): pick a port above 1023 with --port PORT or listen: in the configuration'],
    [
      'EADDRNOTAVAIL',
      '192.0.2.1',
      7420,
      '192.0.2.1:7420 cannot be listened on: 192.0.2.1 is not an address of this machine; pick one it has (127.0.0.1 for this machine only, 0.0.0.0 for every interface) with --host HOST or listen: in the configuration',
    ],
  ];
  for (const [code, host, port, sentence] of cases) {
    const said = listenError(failed(code), host, port);
    assert.ok(said instanceof ListenError, `${code} becomes a ListenError`);
    assert.equal(said.message, sentence);
  }
});

test('an IPv6 address is bracketed, so its port reads apart from it', () => {
  assert.match((listenError(failed('EADDRINUSE'), '::1', 7420) as Error).message, /^\[::1\]:7420 is already in use/);
});

test('another failure is passed on as it is, with its stack', () => {
  const other = failed('EMFILE');
  assert.equal(listenError(other, '127.0.0.1', 7420), other);
});
