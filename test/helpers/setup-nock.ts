import { afterAll, afterEach, beforeAll } from '@jest/globals';
import nock from 'nock';

// No test reaches the network; loopback (the sandbox, Redis) is allowed.
beforeAll(() => {
  if (!nock.isActive()) nock.activate();
  nock.disableNetConnect();
  nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith('localhost'));
});
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});
