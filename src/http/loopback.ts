/**
 * Whether a host (a listen address, a Host header's name, an origin's hostname) is this machine's loopback:
 * 127.0.0.0/8, ::1 with or without brackets, or localhost. One answer for every check that depends on it: the
 * default `auth`, DNS-rebinding defence, who may read `/metrics`.
 */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[?::1\]?)$/;
