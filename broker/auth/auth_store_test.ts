import { assert, assertEquals } from "@std/assert";
import { AuthStore } from "./auth_store.ts";
import type { AuthFile } from "./auth_file.ts";
import { hashApiKey } from "./key_hash.ts";

const APP_KEY = "weir_app-key-0123456789abcdef";
const OPS_KEY = "weir_ops-key-0123456789abcdef";

function file(): AuthFile {
  return {
    principals: [
      {
        name: "app",
        keySha256: hashApiKey(APP_KEY),
        allow: [
          { resource: "topic:orders*", operations: ["produce", "consume"] },
          { resource: "topic:log-?", operations: ["consume"] },
          { resource: "group:billing", operations: ["consume"] },
        ],
      },
      {
        name: "ops",
        keySha256: hashApiKey(OPS_KEY).toUpperCase(),
        allow: [{ resource: "cluster", operations: ["*"] }],
      },
      { name: "nobody", keySha256: hashApiKey("nobody-key"), allow: [] },
    ],
  };
}

Deno.test("`AuthStore.authenticate()` finds the principal of each known key", () => {
  const store = new AuthStore(file());
  assertEquals(store.authenticate(APP_KEY)?.name, "app");
  assertEquals(store.authenticate(OPS_KEY)?.name, "ops", "upper-case hex in the file works");
  assertEquals(store.authenticate("nobody-key")?.name, "nobody");
  assertEquals(store.size, 3);
});

Deno.test("`AuthStore.authenticate()` rejects an equal-length key that differs in one character", () => {
  const store = new AuthStore(file());
  for (let i = 0; i < APP_KEY.length; i++) {
    const flipped = APP_KEY.slice(0, i) + (APP_KEY[i] === "x" ? "y" : "x") + APP_KEY.slice(i + 1);
    assertEquals(flipped.length, APP_KEY.length);
    assertEquals(store.authenticate(flipped), null, `differs at ${i}`);
  }
});

Deno.test("`AuthStore.authenticate()` rejects empty, prefixed, suffixed and hash-as-key input", () => {
  const store = new AuthStore(file());
  for (const key of ["", APP_KEY.slice(0, -1), `${APP_KEY} `, ` ${APP_KEY}`, hashApiKey(APP_KEY)]) {
    assertEquals(store.authenticate(key), null, JSON.stringify(key));
  }
});

Deno.test("`AuthStore` principals carry no key or key hash", () => {
  const store = new AuthStore(file());
  const text = JSON.stringify(store.authenticate(APP_KEY));
  assertEquals(text.includes(hashApiKey(APP_KEY)), false);
  assertEquals(text.includes(APP_KEY), false);
});

Deno.test("`AuthStore.authorize()` matches `*` and `?` globs and denies by default", () => {
  const store = new AuthStore(file());
  const app = store.authenticate(APP_KEY)!;
  assert(store.authorize(app, "topic:orders", "produce"));
  assert(store.authorize(app, "topic:orders-eu.v2", "consume"));
  assert(!store.authorize(app, "topic:orders", "admin"), "admin not granted");
  assert(!store.authorize(app, "topic:order", "produce"), "glob is anchored");
  assert(!store.authorize(app, "topic:xorders", "produce"), "glob is anchored at the start");
  assert(store.authorize(app, "topic:log-1", "consume"));
  assert(!store.authorize(app, "topic:log-12", "consume"), "? is exactly one character");
  assert(!store.authorize(app, "topic:log-", "consume"), "? is exactly one character");
  assert(!store.authorize(app, "topic:log-1", "produce"));
  assert(store.authorize(app, "group:billing", "consume"));
  assert(!store.authorize(app, "group:billing2", "consume"));
  assert(!store.authorize(app, "group:orders", "consume"), "topic grants do not cover groups");
  assert(!store.authorize(app, "cluster", "consume"));
  const nobody = store.authenticate("nobody-key")!;
  for (const op of ["produce", "consume", "admin"] as const) {
    assert(!store.authorize(nobody, "topic:orders", op));
    assert(!store.authorize(nobody, "cluster", op));
  }
});

Deno.test("`AuthStore.authorize()` expands `*` operations and treats glob metacharacters literally", () => {
  const store = new AuthStore({
    principals: [{
      name: "p",
      keySha256: hashApiKey("k"),
      allow: [{ resource: "topic:a.b(c)+", operations: ["*"] }, {
        resource: "cluster",
        operations: ["*"],
      }],
    }],
  });
  const p = store.authenticate("k")!;
  assert(store.authorize(p, "topic:a.b(c)+", "admin"));
  assert(!store.authorize(p, "topic:aXb(c)+", "admin"), "a dot is a dot");
  assert(store.authorize(p, "cluster", "produce"));
});

Deno.test("`AuthStore.authorize()` denies a principal from another store", () => {
  const a = new AuthStore(file());
  const b = new AuthStore(file());
  const fromB = b.authenticate(APP_KEY)!;
  assertEquals(a.authorize(fromB, "topic:orders", "produce"), false);
  assert(a.authenticate(APP_KEY) !== fromB, "each store has its own principal objects");
});

Deno.test("`AuthStore.authorizeAny()` tells whether some grant of a kind has the operation", () => {
  const store = new AuthStore(file());
  const app = store.authenticate(APP_KEY)!;
  assert(store.authorizeAny(app, { kind: "topic", operation: "produce" }));
  assert(!store.authorizeAny(app, { kind: "topic", operation: "admin" }));
  assert(!store.authorizeAny(app, { kind: "group", operation: "produce" }));
  assert(
    !store.authorizeAny(store.authenticate("nobody-key")!, { kind: "topic", operation: "consume" }),
  );
});
