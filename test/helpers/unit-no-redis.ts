// Unit tests need no Redis (jest.unit.config.js): nothing listens on port 1, so a connection fails at once.
process.env.REDIS_URL = 'redis://127.0.0.1:1';
