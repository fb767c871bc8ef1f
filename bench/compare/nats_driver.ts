/**
 * NATS JetStream through `@nats-io/jetstream`: file storage, one replica.
 * P1 publishes asynchronously (core publish with a reply inbox) and counts the acks (batches of B, K batches
 * in flight); P2 reads with a pull consumer (`consume`, ack policy none,
 * 10,000 messages prefetched); P3 publishes one message per send while a
 * pull consumer streams them. JetStream here has no per-message fsync
 * setting, so it takes no part in P4.
 *
 * @module
 */
import { connect, createInbox, type NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import {
  type Driver,
  latencyOf,
  LatencyRecorder,
  type Measured,
  paced,
  payload,
  pipelined,
  stampedPayload,
  waitUntil,
  type WorkloadSettings,
} from "./workload.ts";
import { quantile } from "./report.ts";

/** JetStream's driver. */
export class NatsDriver implements Driver {
  readonly name = "nats";
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #pid: number;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, pid: number) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = jetstream(nc);
    this.#pid = pid;
  }

  /**
   * Connects to a nats-server.
   *
   * @param port Its port.
   * @param pid Its process id.
   * @returns The driver.
   */
  static async connect(port: number, pid: number): Promise<NatsDriver> {
    const nc = await connect({ servers: `127.0.0.1:${port}` });
    return new NatsDriver(nc, await jetstreamManager(nc), pid);
  }

  serverPid(): number {
    return this.#pid;
  }

  supports(workload: string): boolean {
    return workload !== "P4" && workload !== "P1x16";
  }

  async prepare(name: string): Promise<void> {
    await this.#jsm.streams.add({
      name,
      subjects: [name],
      storage: StorageType.File,
      num_replicas: 1,
    });
  }

  /**
   * Publishes with a reply subject and counts JetStream's acks on it (what
   * `nats bench --js` does): `js.publish()` makes one request each, with its
   * own timer and promise, and measured ~12× slower in this client.
   */
  #acker(): { inbox: string; upTo: (target: number) => Promise<void>; close: () => void } {
    const inbox = createInbox();
    let acked = 0;
    let failure: Error | undefined;
    const waiting: { target: number; resolve: () => void; reject: (e: Error) => void }[] = [];
    const sub = this.#nc.subscribe(inbox, {
      callback: (_err, m) => {
        if (m.data.length > 0 && m.data[2] === 101 /* {"error"... */) {
          failure ??= new Error(`JetStream rejected a publish: ${m.string()}`);
        }
        acked++;
        while (waiting.length > 0 && (waiting[0]!.target <= acked || failure)) {
          const w = waiting.shift()!;
          failure ? w.reject(failure) : w.resolve();
        }
      },
    });
    return {
      inbox,
      upTo: (target) => {
        if (failure) return Promise.reject(failure);
        if (target <= acked) return Promise.resolve();
        const w = Promise.withResolvers<void>();
        waiting.push({ target, ...w });
        return w.promise;
      },
      close: () => sub.unsubscribe(),
    };
  }

  async produce(name: string, s: WorkloadSettings): Promise<Measured> {
    const value = payload(s.size);
    const nc = this.#nc;
    const acker = this.#acker();
    let published = 0;
    try {
      const wallMs = await pipelined(s.n, {
        batch: s.batch,
        inFlight: s.inFlight,
        send: (count) => {
          for (let i = 0; i < count; i++) nc.publish(name, value, { reply: acker.inbox });
          published += count;
          return acker.upTo(published);
        },
      });
      return { records: s.n, wallMs };
    } finally {
      acker.close();
    }
  }

  async consume(name: string, s: WorkloadSettings): Promise<Measured> {
    await this.#jsm.consumers.add(name, {
      durable_name: "bench",
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
    });
    const consumer = await this.#js.consumers.get(name, "bench");
    const t0 = performance.now();
    const messages = await consumer.consume({ max_messages: 10_000 });
    let received = 0;
    for await (const _m of messages) {
      if (++received >= s.n) break;
    }
    const wallMs = performance.now() - t0;
    await messages.close();
    return { records: received, wallMs };
  }

  async latency(name: string, s: WorkloadSettings): Promise<Measured> {
    await this.#jsm.consumers.add(name, {
      durable_name: "bench",
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
    });
    const consumer = await this.#js.consumers.get(name, "bench");
    const messages = await consumer.consume({ max_messages: 1_000 });
    const recorder = new LatencyRecorder(Math.min(500, Math.floor(s.rate / 4)));
    const receiving = (async () => {
      for await (const m of messages) recorder.add(latencyOf(m.data));
    })();
    const acker = this.#acker();
    const t0 = performance.now();
    const expected = await paced(s.rate, s.latencySeconds, () => {
      this.#nc.publish(name, stampedPayload(s.size), { reply: acker.inbox });
    });
    await acker.upTo(expected).finally(acker.close);
    await waitUntil(() => recorder.seen >= expected, {
      ms: 30_000,
      what: "the JetStream P3 consumer to receive every message",
    });
    await messages.close();
    await receiving;
    const sorted = recorder.sorted();
    return {
      records: expected,
      wallMs: performance.now() - t0,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
    };
  }

  async drop(name: string): Promise<void> {
    await this.#jsm.streams.delete(name).catch(() => false);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#nc.close();
  }
}
