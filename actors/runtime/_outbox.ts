/**
 * {@linkcode Outbox}: coalesces the envelopes one side of a host posts during
 * one turn of its event loop into a single `postMessage`. Every message costs
 * a serialization, an event-loop wake-up and a `MessageEvent` dispatch on the
 * other side, whatever its size; with asks pipelined (or replies produced for
 * a batch of asks that arrived together) one message carries them all. A lone
 * envelope is sent as itself, so a single ask pays nothing extra beyond one
 * microtask.
 *
 * Wire format: a message is either one envelope or an array of envelopes in
 * the order posted (see {@linkcode unpack}). The transfer list of a batch is
 * the concatenation of its envelopes' `transfer` lists, so buffers stay
 * transferred, and they are detached when `post()` returns: an envelope with
 * a transfer list flushes the queue at once. If a batch cannot be sent (e.g. a `DataCloneError` for one
 * envelope), each envelope is retried alone and the ones that still fail go to
 * `onUndeliverable`, so one bad message never sinks the others. Private to
 * actors/runtime.
 *
 * @module
 */

/** What the outbox needs of an envelope: the buffers to transfer with it. */
export interface Postable {
  readonly t: string;
  readonly transfer?: Transferable[];
}

/** How an outbox sends one message and reports what it could not send. */
export interface OutboxOptions<E> {
  /** Posts one message (an envelope or an array of them) with its transfer list. */
  readonly send: (data: E | E[], transfer: Transferable[]) => void;
  /** Called for an envelope that could not be posted even alone. */
  readonly onUndeliverable: (envelope: E, error: unknown) => void;
}

/** Coalesces envelopes posted in one turn into one message. */
export class Outbox<E extends Postable> {
  readonly #send: (data: E | E[], transfer: Transferable[]) => void;
  readonly #onUndeliverable: (envelope: E, error: unknown) => void;
  #items: E[] = [];
  #scheduled = false;
  readonly #flush = (): void => this.flush();

  constructor(options: OutboxOptions<E>) {
    this.#send = options.send;
    this.#onUndeliverable = options.onUndeliverable;
  }

  /**
   * Queues `envelope`; it goes out at the end of the current turn (microtask).
   * An envelope that transfers buffers goes out at once, with everything
   * queued before it, so its buffers are detached when `post()` returns.
   */
  post(envelope: E): void {
    this.#items.push(envelope);
    if (envelope.transfer !== undefined && envelope.transfer.length > 0) {
      this.flush();
      return;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flush);
    }
  }

  /** Sends what is queued now. */
  flush(): void {
    this.#scheduled = false;
    const items = this.#items;
    if (items.length === 0) return;
    this.#items = [];
    if (items.length === 1) {
      this.#sendOne(items[0]!);
      return;
    }
    const transfer: Transferable[] = [];
    for (const item of items) {
      if (item.transfer !== undefined && item.transfer.length > 0) transfer.push(...item.transfer);
    }
    try {
      this.#send(items, transfer);
    } catch {
      for (const item of items) this.#sendOne(item);
    }
  }

  /** Drops what is queued (the other side is gone). */
  discard(): void {
    this.#items = [];
  }

  #sendOne(item: E): void {
    try {
      this.#send(item, item.transfer ?? []);
    } catch (error) {
      this.#onUndeliverable(item, error);
    }
  }
}

/**
 * Calls `each` for every envelope of a received message, in order.
 *
 * @param data a message sent by an {@linkcode Outbox}
 * @param each the handler of one envelope
 */
export function unpack<E>(data: E | E[], each: (envelope: E) => void): void {
  if (Array.isArray(data)) { for (const envelope of data) each(envelope); }
  else each(data);
}
