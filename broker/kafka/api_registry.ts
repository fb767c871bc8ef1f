/**
 * {@linkcode KafkaApiRegistry}: the APIs a Kafka listener dispatches on. Core
 * APIs and the group APIs (`groups/`) each register with one line.
 *
 * @module
 */
import { WeirError } from "../../client/protocol/mod.ts";
import type { KafkaApi } from "./handler.ts";

/** The APIs a listener serves, by key. */
export class KafkaApiRegistry {
  readonly #apis = new Map<number, KafkaApi>();

  /**
   * Adds an API.
   *
   * @param api The API and its handler.
   * @returns this, for chaining.
   * @throws {WeirError} `INVALID_CONFIG` when the key is already registered.
   */
  register(api: KafkaApi): this {
    if (this.#apis.has(api.key)) {
      throw new WeirError(
        "INVALID_CONFIG",
        `Cannot register Kafka API "${api.name}": key ${api.key} is already registered`,
      );
    }
    this.#apis.set(api.key, api);
    return this;
  }

  /** Adds several APIs. */
  registerAll(apis: Iterable<KafkaApi>): this {
    for (const api of apis) this.register(api);
    return this;
  }

  /** The API with this key, if served. */
  get(key: number): KafkaApi | undefined {
    return this.#apis.get(key);
  }

  /** Every API, by key. */
  get apis(): ReadonlyMap<number, KafkaApi> {
    return this.#apis;
  }
}
