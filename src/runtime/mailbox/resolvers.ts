/**
 * Reply-address resolution: a message carries the *name* of the mailbox its replies go to, and a
 * {@link MailboxResolver} on the receiving side turns that name back into a mailbox.
 * {@link MailboxRegistry} holds known mailboxes by name; {@link CompositeResolver} chains
 * resolvers, so a registry of fixed queues can fall back to a factory that opens any queue by name.
 *
 * @example
 * ```ts
 * import { CompositeResolver, InMemoryMailbox, MailboxRegistry } from "weakincentives/runtime";
 *
 * const results = new InMemoryMailbox({ name: "results" });
 * const registry = new MailboxRegistry([results]);
 * const resolver = new CompositeResolver([
 *   registry,
 *   { resolve: (name) => new InMemoryMailbox({ name }) }, // a factory: any other name
 * ]);
 * const requests = new InMemoryMailbox({ name: "requests", resolver });
 * await requests.send({ job: 1 }, { replyTo: "results" }); // replies reach `results`
 * ```
 */

import { WinkError } from "../../errors.js";
import { MailboxResolutionError } from "./errors.js";
import type { Mailbox, MailboxResolver } from "./types.js";

/** A name → mailbox map; the default resolver of {@link InMemoryMailbox}. */
export class MailboxRegistry implements MailboxResolver {
  readonly #mailboxes = new Map<string, Mailbox<unknown>>();

  constructor(mailboxes: Iterable<Mailbox<unknown>> = []) {
    for (const mailbox of mailboxes) this.register(mailbox);
  }

  /**
   * Make `mailbox` resolvable by its name. Registering the same mailbox again is a no-op; another
   * mailbox with a taken name is an error (unregister the old one first).
   */
  register(mailbox: Mailbox<unknown>): this {
    const existing = this.#mailboxes.get(mailbox.name);
    if (existing !== undefined && existing !== mailbox) {
      throw new WinkError(
        "invalid_argument",
        `A different mailbox named "${mailbox.name}" is already registered. ` +
          `Give each mailbox a unique name, or call unregister("${mailbox.name}") first.`,
        { details: { name: mailbox.name } },
      );
    }
    this.#mailboxes.set(mailbox.name, mailbox);
    return this;
  }

  /** Forget the mailbox called `name`; true when there was one. */
  unregister(name: string): boolean {
    return this.#mailboxes.delete(name);
  }

  /** The registered names, in registration order. */
  names(): string[] {
    return [...this.#mailboxes.keys()];
  }

  /** The mailbox called `name`, or a {@link MailboxResolutionError} listing the known names. */
  resolve(name: string): Mailbox<unknown> {
    const mailbox = this.#mailboxes.get(name);
    if (mailbox === undefined) {
      const known = this.names();
      throw new MailboxResolutionError(
        `No mailbox named "${name}" is registered (known: ${known.length ? known.map((n) => `"${n}"`).join(", ") : "none"}). ` +
          `Register it with registry.register(mailbox), pass the mailbox object itself as replyTo, ` +
          `or give the receiving mailbox a resolver that can open it.`,
        { details: { name, known } },
      );
    }
    return mailbox;
  }
}

/**
 * Tries each resolver in order and returns the first mailbox found. A resolver that throws
 * {@link MailboxResolutionError} is skipped; any other error is passed on. When none resolves
 * the name, throws a MailboxResolutionError that includes every resolver's reason.
 */
export class CompositeResolver implements MailboxResolver {
  readonly #resolvers: readonly MailboxResolver[];

  constructor(resolvers: readonly MailboxResolver[]) {
    this.#resolvers = [...resolvers];
  }

  resolve(name: string): Mailbox<unknown> {
    const failures: MailboxResolutionError[] = [];
    for (const resolver of this.#resolvers) {
      try {
        return resolver.resolve(name);
      } catch (error) {
        if (!(error instanceof MailboxResolutionError)) throw error;
        failures.push(error);
      }
    }
    const reasons = failures.map((f, i) => `${i + 1}. ${f.message}`).join(" ");
    throw new MailboxResolutionError(
      `None of the ${this.#resolvers.length} resolvers could resolve the mailbox "${name}".` +
        (reasons ? ` ${reasons}` : " Add a resolver (a registry or a factory) that knows it."),
      { details: { name, resolvers: this.#resolvers.length }, cause: failures[failures.length - 1] },
    );
  }
}
