/**
 * Shared fixture of the auth and quota edge tests: an auth store with a few
 * principals and a memory backend that records every call.
 *
 * @module
 */
import { MemoryBackend } from "../../tests/_helpers/memory_backend.ts";
import { AuthStore, type AuthStoreOptions, hashApiKey } from "../auth/mod.ts";
import type { EdgeBackend } from "./backend.ts";
import type { GroupSummary } from "../../client/protocol/mod.ts";

/** API keys of the fixture's principals (all the same length on purpose). */
export const KEYS = {
  app: "weir_app____0123456789abcdefghij",
  reader: "weir_reader_0123456789abcdefghij",
  topicAdmin: "weir_tadmin_0123456789abcdefghij",
  ops: "weir_ops____0123456789abcdefghij",
  monitor: "weir_monitr_0123456789abcdefghij",
  nothing: "weir_nothin_0123456789abcdefghij",
} as const;

/** A key of the same length as the others that no principal has. */
export const WRONG_KEY = "weir_wrong__0123456789abcdefghij";

/** The fixture's store (options: e.g. a failed-authentication limiter with a fake clock). */
export function fixtureStore(options: AuthStoreOptions = {}): AuthStore {
  return new AuthStore({
    principals: [
      {
        name: "app",
        keySha256: hashApiKey(KEYS.app),
        allow: [
          { resource: "topic:orders*", operations: ["produce", "consume"] },
          { resource: "group:billing", operations: ["consume"] },
        ],
      },
      {
        name: "reader",
        keySha256: hashApiKey(KEYS.reader),
        allow: [{ resource: "topic:orders", operations: ["consume"] }],
      },
      {
        name: "topic-admin",
        keySha256: hashApiKey(KEYS.topicAdmin),
        allow: [{ resource: "topic:tmp-*", operations: ["admin"] }],
      },
      {
        name: "ops",
        keySha256: hashApiKey(KEYS.ops),
        allow: [{ resource: "cluster", operations: ["*"] }],
      },
      {
        name: "monitor",
        keySha256: hashApiKey(KEYS.monitor),
        allow: [{ resource: "cluster", operations: ["consume"] }],
      },
      { name: "nothing", keySha256: hashApiKey(KEYS.nothing), allow: [] },
    ],
  }, options);
}

/** A memory backend with topics `orders`, `orders-eu`, `secret`, two listed groups and a call log. */
export async function fixtureBackend(): Promise<
  { backend: EdgeBackend & AsyncDisposable; calls: string[] }
> {
  const memory = new MemoryBackend();
  for (const name of ["orders", "orders-eu", "secret"]) {
    await memory.createTopic({ name, partitions: 1 });
  }
  const calls: string[] = [];
  const groups: GroupSummary[] = [
    { groupId: "billing", state: "Stable", members: 1 },
    { groupId: "other", state: "Empty", members: 0 },
  ] as GroupSummary[];
  const backend = new Proxy(memory, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      if (prop === "listGroups") {
        return () => {
          calls.push(prop);
          return Promise.resolve(groups);
        };
      }
      return (...args: unknown[]) => {
        calls.push(prop);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend, calls };
}
