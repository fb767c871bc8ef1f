import { assertEquals } from "@std/assert";
import { AuthFailureLimiter, AuthStore, hashApiKey } from "../../auth/mod.ts";
import { authenticatePlain, parsePlainToken } from "./sasl_plain.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const KEY = "weir_plain_key_0123456789";
const store = new AuthStore({
  principals: [{ name: "app", keySha256: hashApiKey(KEY), allow: [] }],
});

Deno.test("`parsePlainToken()` splits authzid, user name and password", () => {
  assertEquals(parsePlainToken(enc("\u0000u\u0000p")), {
    authzid: "",
    username: "u",
    password: "p",
  });
  assertEquals(parsePlainToken(enc("a\u0000u\u0000p")), {
    authzid: "a",
    username: "u",
    password: "p",
  });
});

Deno.test("`parsePlainToken()` rejects tokens that are not PLAIN", () => {
  for (const bad of ["", "u\u0000p", "\u0000\u0000p", "\u0000u\u0000", "a\u0000b\u0000c\u0000d"]) {
    assertEquals(parsePlainToken(enc(bad)), null, JSON.stringify(bad));
  }
  assertEquals(parsePlainToken(new Uint8Array([0, 0xc3, 0, 0x41])), null);
});

Deno.test("`authenticatePlain()` needs the principal's name with its API key", () => {
  assertEquals(authenticatePlain(store, enc(`\u0000app\u0000${KEY}`))?.name, "app");
  assertEquals(authenticatePlain(store, enc(`app\u0000app\u0000${KEY}`))?.name, "app");
  assertEquals(authenticatePlain(store, enc(`\u0000other\u0000${KEY}`)), null);
  assertEquals(authenticatePlain(store, enc(`other\u0000app\u0000${KEY}`)), null);
  assertEquals(authenticatePlain(store, enc("\u0000app\u0000wrong")), null);
});

Deno.test("`authenticatePlain()` with `remote` counts failures and refuses a locked-out address", () => {
  const limited = new AuthStore({
    principals: [{ name: "app", keySha256: hashApiKey(KEY), allow: [] }],
  }, { failures: new AuthFailureLimiter({ maxFailures: 2, now: () => 0 }) });
  const remote = "10.0.0.5:40001";
  assertEquals(authenticatePlain(limited, enc("\u0000app\u0000wrong"), { remote }), null);
  assertEquals(authenticatePlain(limited, enc(`\u0000app\u0000${KEY}`), { remote })?.name, "app");
  assertEquals(authenticatePlain(limited, enc("not a token"), { remote }), null);
  // Two failures from 10.0.0.5 (any port): the right key is refused unchecked.
  assertEquals(authenticatePlain(limited, enc(`\u0000app\u0000${KEY}`), { remote }), null);
  assertEquals(
    authenticatePlain(limited, enc(`\u0000app\u0000${KEY}`), { remote: "10.0.0.5:40002" }),
    null,
  );
  assertEquals(
    authenticatePlain(limited, enc(`\u0000app\u0000${KEY}`), { remote: "10.0.0.6:40001" })?.name,
    "app",
  );
  // Without `remote` the limiter is not consulted.
  assertEquals(authenticatePlain(limited, enc(`\u0000app\u0000${KEY}`))?.name, "app");
});
