/**
 * One place that turns SIGTERM/SIGINT into an orderly shutdown.
 *
 * The coordinator is process-wide ({@link ShutdownCoordinator.instance}): signals belong to the
 * process, so every loop group and resource registers its shutdown callback here. The first
 * trigger (a signal, or {@link ShutdownCoordinator.trigger}) runs every callback once, in
 * registration order; a callback registered after that runs at once, so late starters stop too.
 *
 * @example
 * ```ts
 * import { type Runnable, ShutdownCoordinator } from "weakincentives/runtime";
 *
 * declare const loop: Runnable; // a MainLoop
 * const coordinator = ShutdownCoordinator.instance().install(); // SIGTERM and SIGINT
 * const controller = new AbortController();
 * const unregister = coordinator.register((reason) => controller.abort(reason));
 * await loop.run({ signal: controller.signal });
 * unregister();
 * ```
 */

import { getLogger } from "../../logging/index.js";

const log = getLogger("weakincentives.runtime.lifecycle");

/** Called once when shutdown is triggered, with the reason (the signal name, or the caller's). */
export type ShutdownCallback = (reason: string) => void | Promise<void>;

/** The signals {@link ShutdownCoordinator.install} listens to by default. */
export const DEFAULT_SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = Object.freeze(["SIGTERM", "SIGINT"]);

let current: ShutdownCoordinator | undefined;

/** Fans a shutdown request out to every registered callback, exactly once each. */
export class ShutdownCoordinator {
  private callbacks: ShutdownCallback[] = [];
  private readonly listeners = new Map<NodeJS.Signals, () => void>();
  private reasonText: string | undefined;

  /** The process-wide coordinator, created on first use. */
  static instance(): ShutdownCoordinator {
    current ??= new ShutdownCoordinator();
    return current;
  }

  /**
   * Forget the process-wide coordinator, removing its signal listeners. For tests: the next
   * {@link ShutdownCoordinator.instance} is fresh and untriggered.
   */
  static reset(): void {
    current?.uninstall();
    current = undefined;
  }

  /** True once shutdown has been triggered. */
  get triggered(): boolean {
    return this.reasonText !== undefined;
  }

  /** Why shutdown was triggered, once it was. */
  get reason(): string | undefined {
    return this.reasonText;
  }

  /**
   * Listen to `signals` (default SIGTERM and SIGINT); each triggers shutdown with the signal's
   * name as reason. Idempotent: a signal already listened to is not added twice. Returns `this`.
   *
   * While installed, these signals no longer end the process by themselves: the callbacks must
   * let it finish.
   */
  install(signals: readonly NodeJS.Signals[] = DEFAULT_SHUTDOWN_SIGNALS): this {
    for (const signal of signals) {
      if (this.listeners.has(signal)) continue;
      const listener = (): void => this.onSignal(signal);
      this.listeners.set(signal, listener);
      process.on(signal, listener);
    }
    return this;
  }

  /** Remove every signal listener this coordinator added. Callbacks stay registered. */
  uninstall(): void {
    for (const [signal, listener] of this.listeners) process.off(signal, listener);
    this.listeners.clear();
  }

  /** The signals currently listened to. */
  get signals(): readonly NodeJS.Signals[] {
    return [...this.listeners.keys()];
  }

  /**
   * Call `callback` on shutdown — at once if shutdown was already triggered. Returns a function
   * that unregisters it.
   */
  register(callback: ShutdownCallback): () => void {
    if (this.reasonText !== undefined) {
      invoke(callback, this.reasonText);
      return () => undefined;
    }
    this.callbacks = [...this.callbacks, callback];
    return () => {
      this.callbacks = this.callbacks.filter((c) => c !== callback);
    };
  }

  /**
   * Trigger shutdown: run every callback once, in registration order. A callback that throws (or
   * rejects) is logged and the others still run. Later calls do nothing.
   */
  trigger(reason = "requested"): void {
    if (this.reasonText !== undefined) return;
    this.reasonText = reason;
    const callbacks = this.callbacks;
    this.callbacks = [];
    log.info("lifecycle.shutdown.triggered", `Shutdown triggered (${reason}).`, {
      reason,
      callbacks: callbacks.length,
    });
    for (const callback of callbacks) invoke(callback, reason);
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.reasonText !== undefined) {
      log.info("lifecycle.signal_ignored", `Received ${signal}; shutdown is already in progress.`, {
        signal,
      });
      return;
    }
    log.info("lifecycle.signal", `Received ${signal}; shutting down.`, { signal });
    this.trigger(signal);
  }
}

function invoke(callback: ShutdownCallback, reason: string): void {
  const report = (error: unknown): void => {
    log.error("lifecycle.shutdown.callback_failed", "A shutdown callback failed; the others still ran.", {
      error,
    });
  };
  try {
    const returned = callback(reason);
    if (returned instanceof Promise) returned.catch(report);
  } catch (error) {
    report(error);
  }
}
