import { assertEquals, assertStringIncludes } from "@std/assert";
import { createApp } from "./app.ts";
import { fixtureBackend, fixtureStore, KEYS, WRONG_KEY } from "./_test_auth_fixture.ts";

function login(app: ReturnType<typeof createApp>, key: string): Promise<Response> {
  return Promise.resolve(app.request("/ui/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ key }).toString(),
  }));
}

Deno.test("UI login: a browser without a session is sent to the login form", async () => {
  const { backend } = await fixtureBackend();
  await using _ = backend;
  const app = createApp(backend, { auth: fixtureStore() });
  const res = await app.request("/ui/topics");
  assertEquals(res.status, 302);
  assertEquals(res.headers.get("location"), "/ui/login");
  const form = await app.request("/ui/login");
  assertEquals(form.status, 200);
  assertStringIncludes(await form.text(), 'name="key"');
  const css = await app.request("/ui/assets/ui.css");
  assertEquals(css.status, 200, "assets stay open for the login page");
  await css.body?.cancel();
});

Deno.test("UI login: a wrong key or a key without cluster admin gets no session and no echo", async () => {
  const { backend } = await fixtureBackend();
  await using _ = backend;
  const app = createApp(backend, { auth: fixtureStore() });
  for (const [key, status] of [[WRONG_KEY, 401], [KEYS.app, 403], ["", 401]] as const) {
    const res = await login(app, key);
    assertEquals(res.status, status);
    assertEquals(res.headers.get("set-cookie"), null);
    const text = await res.text();
    if (key !== "") assertEquals(text.includes(key), false, "the page echoes the key");
  }
});

Deno.test("UI login: cluster admin gets an HttpOnly SameSite=Strict session that is not the key, until logout", async () => {
  const { backend } = await fixtureBackend();
  await using _ = backend;
  const app = createApp(backend, { auth: fixtureStore() });
  const res = await login(app, KEYS.ops);
  assertEquals(res.status, 303);
  assertEquals(res.headers.get("location"), "/ui");
  const setCookie = res.headers.get("set-cookie") ?? "";
  assertStringIncludes(setCookie, "weir_session=");
  assertStringIncludes(setCookie, "HttpOnly");
  assertStringIncludes(setCookie, "SameSite=Strict");
  assertEquals(setCookie.includes(KEYS.ops), false, "the cookie holds the key");
  const cookie = setCookie.split(";")[0]!;
  const page = await app.request("/ui/topics", { headers: { cookie } });
  assertEquals(page.status, 200);
  await page.body?.cancel();
  const api = await app.request("/v1/topics", { headers: { cookie } });
  assertEquals(api.status, 200, "the UI's own fetches use the session");
  assertEquals((await api.json()).topics.length, 3);
  const forged = await app.request("/ui/topics", { headers: { cookie: "weir_session=forged" } });
  assertEquals(forged.status, 302);
  const out = await app.request("/ui/logout", { method: "POST", headers: { cookie } });
  assertEquals(out.status, 303);
  const after = await app.request("/ui/topics", { headers: { cookie } });
  assertEquals(after.status, 302, "the session ended");
});

Deno.test("UI login: a form posted from another origin is refused", async () => {
  const { backend } = await fixtureBackend();
  await using _ = backend;
  const app = createApp(backend, { auth: fixtureStore() });
  const res = await app.request("http://weir.test/ui/login", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: "https://evil.example",
    },
    body: new URLSearchParams({ key: KEYS.ops }).toString(),
  });
  assertEquals(res.status, 403);
  assertEquals(res.headers.get("set-cookie"), null);
  await res.body?.cancel();
});
