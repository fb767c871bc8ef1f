/**
 * Weir through its SDK over HTTP: P1/P4 with `Producer.sendBatch` (acks=1 /
 * acks=all), P2 with `Consumer.batches()` from offset 0, P3 with
 * `Producer.send` one record at a time and a long-polling consumer.
 *
 * @module
 */
import { connect, type Weir } from "../../mod.ts";
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

/** Weir's driver. */
export class WeirDriver implements Driver {
  readonly name = "weir";
  readonly #weir: Weir;
  readonly #pid: number;
  readonly #partitions = new Map<string, number>();

  private constructor(weir: Weir, pid: number) {
    this.#weir = weir;
    this.#pid = pid;
  }

  /**
   * Connects to a broker.
   *
   * @param url Base URL.
   * @param pid Broker process id.
   * @returns The driver.
   */
  static async connect(url: string, pid: number): Promise<WeirDriver> {
    return new WeirDriver(await connect({ url }), pid);
  }

  serverPid(): number {
    return this.#pid;
  }

  supports(): boolean {
    return true;
  }

  async prepare(name: string, options: { partitions: number }): Promise<void> {
    await this.#weir.admin.createTopic({ name, partitions: options.partitions });
    this.#partitions.set(name, options.partitions);
  }

  async produce(
    name: string,
    s: WorkloadSettings,
    options: { durable: boolean; partitions: number },
  ): Promise<Measured> {
    const topic = this.#weir.topic(name, { value: "bytes" });
    const value = payload(s.size);
    const byPartition = Array.from(
      { length: options.partitions },
      (_, p) => Array.from({ length: s.batch }, () => ({ value, partition: p })),
    );
    await using producer = this.#weir.producer({
      acks: options.durable ? "all" : 1,
      lingerMs: 0,
      maxBatchBytes: 4 * 1024 * 1024,
      maxInFlight: s.inFlight,
    });
    const wallMs = await pipelined(s.n, {
      batch: s.batch,
      inFlight: s.inFlight,
      send: (count, index) => {
        const records = byPartition[index % options.partitions]!;
        return producer.sendBatch(topic, count === s.batch ? records : records.slice(0, count));
      },
    });
    return { records: s.n, wallMs };
  }

  async consume(name: string, s: WorkloadSettings): Promise<Measured> {
    const topic = this.#weir.topic(name, { value: "bytes" });
    const partitions = this.#partitions.get(name) ?? 1;
    await using consumer = this.#weir.consumer({
      topics: [topic],
      prefetchRecords: 100_000,
      prefetchBytes: 16 * 1024 * 1024,
    });
    consumer.assign(
      Array.from({ length: partitions }, (_, partition) => ({ topic: name, partition, offset: 0 })),
    );
    let received = 0;
    const t0 = performance.now();
    for await (const b of consumer.batches()) {
      received += b.records.length;
      if (received >= s.n) break;
    }
    return { records: received, wallMs: performance.now() - t0 };
  }

  async latency(name: string, s: WorkloadSettings): Promise<Measured> {
    const topic = this.#weir.topic(name, { value: "bytes" });
    const recorder = new LatencyRecorder(Math.min(500, Math.floor(s.rate / 4)));
    await using consumer = this.#weir.consumer({ topics: [topic], waitMs: 1000 });
    consumer.assign([{ topic: name, partition: 0, offset: 0 }]);
    let stop = false;
    const receiving = (async () => {
      for await (const r of consumer) {
        recorder.add(latencyOf(r.value as Uint8Array));
        if (stop) break;
      }
    })().catch((e) => {
      if (!stop) throw e;
    });
    await using producer = this.#weir.producer({ acks: 1, lingerMs: 0 });
    const sends: Promise<unknown>[] = [];
    const t0 = performance.now();
    const expected = await paced(s.rate, s.latencySeconds, () => {
      sends.push(producer.send(topic, { value: stampedPayload(s.size) }));
    });
    await Promise.all(sends);
    await waitUntil(() => recorder.seen >= expected, {
      ms: 30_000,
      what: "the Weir P3 consumer to receive every record",
    });
    stop = true;
    await consumer.close();
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
    this.#partitions.delete(name);
    await this.#weir.admin.deleteTopic(name).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#weir.close();
  }
}
