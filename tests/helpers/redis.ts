/** The suite's Redis (the machine's, unless TEST_REDIS_URL names another). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
