import { pino, type Logger } from 'pino';
import type { Config } from '../config/index.js';

/** The process logger from `logging.*`: pino JSON lines, or readable text via pino-pretty. */
export function createLogger(config: Config): Logger {
  const { level, format, output } = config.logging;
  const dest = output === 'stdout' ? 1 : output === 'stderr' ? 2 : output;
  if (format === 'text') {
    return pino({ level, transport: { target: 'pino-pretty', options: { destination: dest, colorize: false, translateTime: 'SYS:standard' } } });
  }
  return pino({ level }, pino.destination({ dest, sync: false, mkdir: typeof dest === 'string' }));
}
