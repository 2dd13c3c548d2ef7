import { pino, type Logger } from 'pino';

/** Logs go to stderr: in stdio mode stdout is the protocol. */
export function createLogger(level: string = process.env.TOOLGATE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: false }));
}
