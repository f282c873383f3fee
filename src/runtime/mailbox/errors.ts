/** Mailbox errors: each names the queue, the handle or the value at fault, and what to do. */

import { WinkError, type WinkErrorCode, type WinkErrorOptions } from "../../errors.js";

/** Base of every mailbox error; `code` says which. */
export class MailboxError extends WinkError {
  constructor(code: WinkErrorCode, message: string, options: WinkErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A receive/nack/extend argument is out of range (visibility 0–43,200 s, wait ≥ 0...). */
export class InvalidParameterError extends MailboxError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("mailbox_invalid_parameter", message, options);
  }
}

/** The receipt handle is stale: the message was redelivered, acknowledged, or never existed. */
export class ReceiptHandleExpiredError extends MailboxError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("mailbox_receipt_expired", message, options);
  }
}

/** The message was already acknowledged or nacked; it cannot be replied to or settled again. */
export class MessageFinalizedError extends MailboxError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("mailbox_finalized", message, options);
  }
}

/** The message has no reply address. */
export class ReplyNotAvailableError extends MailboxError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("mailbox_reply_unavailable", message, options);
  }
}

/** The queue holds its maximum number of messages. */
export class MailboxFullError extends MailboxError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("mailbox_full", message, options);
  }
}

/** The backend (Redis, SQS...) could not be reached or answered with an error. */
export class MailboxConnectionError extends MailboxError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("mailbox_connection", message, options);
  }
}

/** A body could not be serialized or did not match the mailbox's body schema. */
export class MailboxSerializationError extends MailboxError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("mailbox_serialization", message, options);
  }
}

/** A reply address could not be turned into a mailbox. */
export class MailboxResolutionError extends MailboxError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("mailbox_resolution", message, options);
  }
}

/** The mailbox was closed; it accepts no more messages. */
export class MailboxClosedError extends MailboxError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("mailbox_closed", message, options);
  }
}
