/**
 * Whether the machine's Redis (127.0.0.1:6379) answers, for tests that need it. Outside CI a test
 * without Redis skips and says so; under `CI=true` a missing Redis is an error, never a skip.
 */
import { Redis } from "ioredis";

/** True when Redis answers; throws under `CI=true` when it does not. */
export async function redisAvailable(): Promise<boolean> {
  const probe = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true, maxRetriesPerRequest: 0 });
  const up = await probe.connect().then(
    () => true,
    () => false,
  );
  probe.disconnect();
  if (!up && process.env.CI === "true") {
    throw new Error("Redis is not running on 127.0.0.1:6379 (apt-get install redis-server).");
  }
  return up;
}
