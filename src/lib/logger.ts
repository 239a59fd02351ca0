import { pino, type Logger } from 'pino';

/** Paths pino blanks out wherever they appear: tokens, keys and Authorization headers never reach a log. */
export const REDACT_PATHS = [
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.apiKey',
  '*.api_key',
  '*.clientSecret',
  '*.client_secret',
  '*.password',
  'accessToken',
  'refreshToken',
  'apiKey',
  'password',
  'config.headers',
];

// Generous on purpose: anything shaped like an address is masked, even one no mail server would accept
// (underscores in the domain, unicode), since those are exactly the records that end up in failure logs.
const EMAIL =
  /([^\s@"'<>(),;:[\]])[^\s@"'<>(),;:[\]]*@([^\s@"'<>(),;:[\].])[^\s@"'<>(),;:[\]]*\.([^\s@"'<>(),;:[\].]{2,})/gu;

/** "jane.doe@example.com" → "j***@e***.com": enough to tell records apart, not enough to identify someone. */
export function maskEmail(text: string): string {
  return text.replace(EMAIL, '$1***@$2***.$3');
}

function maskDeep(value: unknown): unknown {
  if (typeof value === 'string') return maskEmail(value);
  if (Array.isArray(value)) return value.map(maskDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v)]));
  }
  return value;
}

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go; defaults to stdout (pretty-printed when it is a terminal). */
  destination?: pino.DestinationStream;
}

/**
 * Structured JSON logs. Email addresses are masked at info level and above; at debug and trace they are kept
 * so a person debugging a single record can find it.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const maskEmails = !['debug', 'trace'].includes(level);
  const pretty = !options.destination && process.stdout.isTTY && process.env.NODE_ENV !== 'test';
  const base: pino.LoggerOptions = {
    level,
    base: { service: 'esp-sync' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: maskEmails ? { log: (obj) => maskDeep(obj) as Record<string, unknown> } : {},
    hooks: maskEmails
      ? {
          logMethod(args, method) {
            const masked = args.map((a) => (typeof a === 'string' ? maskEmail(a) : a)) as Parameters<
              typeof method
            >;
            method.apply(this, masked);
          },
        }
      : {},
  };
  if (options.destination) return pino(base, options.destination);
  if (pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(base);
}

let shared: Logger | undefined;
export function logger(): Logger {
  shared ??= createLogger();
  return shared;
}
export function setLogger(next: Logger): void {
  shared = next;
}
