import type { Command } from 'commander';
import { loadConfig, requireConstantContact } from '../../config/env.ts';
import { createCcTokenProvider } from '../../connectors/constant-contact/auth.ts';
import { runCcDeviceFlow } from '../../connectors/constant-contact/device-flow.ts';
import { createLogger } from '../../lib/logger.ts';
import { createRedis } from '../../lib/redis.ts';

export interface AuthCommandDeps {
  print?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** `esp-sync auth constant-contact`: gets the first refresh token with the device flow and stores it in Redis. */
export function registerAuthCommand(program: Command, deps: AuthCommandDeps = {}): void {
  const print = deps.print ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const auth = program.command('auth').description('Authorise a source that needs OAuth.');
  auth
    .command('constant-contact')
    .description(
      'Authorise the app with Constant Contact (device flow): prints a URL and a code to enter, waits for your approval, and stores the refresh token in Redis for every worker. The token is never printed.',
    )
    .action(async () => {
      const config = loadConfig();
      const cc = requireConstantContact(config);
      const logger = createLogger({ level: config.logLevel });
      const redis = createRedis(config.redisUrl);
      try {
        const tokens = createCcTokenProvider(cc, {
          redis,
          keyPrefix: config.queuePrefix,
          timeoutMs: config.httpTimeoutMs,
          logger,
        });
        await runCcDeviceFlow({
          config: cc,
          tokens,
          timeoutMs: config.httpTimeoutMs,
          print,
          ...(deps.sleep ? { sleep: deps.sleep } : {}),
        });
      } finally {
        await redis.quit();
      }
    });
}
