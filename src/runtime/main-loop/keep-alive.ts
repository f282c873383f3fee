/**
 * Holding the process open while a loop runs.
 *
 * Every wait of a running loop is on the Clock, and the system clock's timers are `unref()`ed so
 * that a pending deadline or reaper never keeps a finished process alive. But a loop that is only
 * waiting — 1 s between receives while its broker is unreachable, say — is not finished: without
 * a handle of its own, Node would see nothing left to do and end a worker that was never told to
 * stop (exit code 13, "unsettled top-level await", and no log saying why). A message port with a
 * listener is such a handle, and costs no timer and no wake-ups.
 *
 * @internal
 */

import { MessageChannel } from "node:worker_threads";

/** Keep the process alive until the returned function is called (idempotent). */
export function holdProcessOpen(): () => void {
  const { port1, port2 } = new MessageChannel();
  // A listener starts the port, and a started port is a live handle.
  port1.on("message", () => {});
  return () => {
    port1.close();
    port2.close();
  };
}
