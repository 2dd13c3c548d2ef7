/** `toolgate serve` could not open its port: exit code 3, one sentence and no stack trace. */
export class ListenError extends Error {
  override name = 'ListenError';
}

/**
 * What to tell someone whose gateway could not listen on host:port, by the system's error code: what is in the way
 * and what to change, naming the options `serve` has. An error of another kind is returned as it is.
 */
export function listenError(error: unknown, host: string, port: number): unknown {
  const at = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const sentence = SENTENCES.get((error as NodeJS.ErrnoException).code ?? '')?.(at, host);
  return sentence === undefined ? error : new ListenError(sentence, { cause: error });
}

const SENTENCES = new Map<string, (at: string, host: string) => string>([
  ['EADDRINUSE', (at) => `${at} is already in use (another toolgate?): stop it, or pick another port with --port PORT or listen: in the configuration`],
  ['EACCES', (at) => `${at} needs privileges to listen on (ports below 1024 usually do): pick a port above 1023 with --port PORT or listen: in the configuration`],
  [
    'EADDRNOTAVAIL',
    (at, host) =>
      `${at} cannot be listened on: ${host} is not an address of this machine; pick one it has (127.0.0.1 for this machine only, 0.0.0.0 for every interface) with --host HOST or listen: in the configuration`,
  ],
]);
