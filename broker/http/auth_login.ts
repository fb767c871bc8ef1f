/**
 * The UI's login form, registered only when auth is on. `GET /ui/login`
 * shows a form for an API key; `POST /ui/login` checks it (the principal
 * needs `admin` on `cluster`, the UI can do everything) and answers with a
 * session cookie (a random id: HttpOnly, SameSite=Strict, Secure over
 * HTTPS) and a redirect to `/ui`. A wrong key counts against the client
 * address like a wrong Bearer key; a locked-out address gets the form back
 * with 429 and `Retry-After`, unchecked. The key is never written back into a
 * page, a header or a log line. `POST /ui/logout` ends the session.
 *
 * @module
 */
import type { Context } from "hono";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { getLogger } from "@logtape/logtape";
import type { AuthStore } from "../auth/mod.ts";
import { UI_SESSION_COOKIE } from "./auth_middleware.ts";
import type { AuthSessions } from "./auth_sessions.ts";
import { clientAddress, retryAfterSeconds } from "./auth_lockout.ts";

const logger = getLogger(["weir", "http", "auth"]);
const HTTP = { listener: "http" } as const;

/** Options of {@linkcode registerUiLogin}. */
export interface UiLoginOptions {
  /** Principals and grants. */
  store: AuthStore;
  /** Where sessions are kept. */
  sessions: AuthSessions;
}

function page(message: string | null): string {
  const note = message === null ? "" : `<p class="error" role="alert">${message}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Weir · log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/ui/assets/ui.css"></head>
<body><main class="login">
<h1>Weir</h1>
<p>This broker requires an API key with <code>admin</code> on <code>cluster</code> for the UI.</p>
${note}
<form method="post" action="/ui/login">
<label>API key <input type="password" name="key" autocomplete="current-password" required autofocus></label>
<button type="submit">Log in</button>
</form>
</main></body></html>`;
}

function noStore(c: Context): void {
  c.header("Cache-Control", "no-store");
}

/**
 * Registers `GET /ui/login`, `POST /ui/login` and `POST /ui/logout`
 * (before the UI's own routes).
 *
 * @param app The app.
 * @param options The auth store and the session table.
 */
export function registerUiLogin(app: OpenAPIHono, options: UiLoginOptions): void {
  const { store, sessions } = options;
  app.get("/ui/login", (c) => {
    noStore(c);
    return c.html(page(null));
  });
  app.post("/ui/login", async (c) => {
    noStore(c);
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== new URL(c.req.url).origin) {
      return c.html(page("Log in from this broker's own page."), 403);
    }
    let key = "";
    try {
      const form = await c.req.parseBody();
      key = typeof form.key === "string" ? form.key.trim() : "";
    } catch {
      // not a form: treated as no key
    }
    const client = clientAddress(c);
    if (key !== "") {
      const wait = store.failures.check(client, HTTP);
      if (wait > 0) {
        const seconds = retryAfterSeconds(wait);
        logger.debug("UI login refused: too many failed authentications from {client}", { client });
        c.header("Retry-After", String(seconds));
        return c.html(page(`Too many failed attempts. Try again in ${seconds} s.`), 429);
      }
    }
    const principal = key === "" ? null : store.authenticate(key);
    if (key !== "" && principal === null) store.failures.fail(client, HTTP);
    if (principal === null || !store.authorize(principal, "cluster", "admin")) {
      logger.info("UI login refused: {reason}", {
        reason: principal === null
          ? "unknown API key"
          : `principal "${principal.name}" lacks admin on cluster`,
      });
      return c.html(
        page(principal === null ? "Unknown API key." : "This key may not use the UI."),
        principal === null ? 401 : 403,
      );
    }
    const id = sessions.open(principal);
    setCookie(c, UI_SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: new URL(c.req.url).protocol === "https:",
      maxAge: Math.floor(sessions.ttlMs / 1000),
    });
    logger.info("UI login for {principal}", { principal: principal.name });
    return c.redirect("/ui", 303);
  });
  app.post("/ui/logout", (c) => {
    noStore(c);
    const id = getCookie(c, UI_SESSION_COOKIE);
    if (id !== undefined) sessions.close(id);
    deleteCookie(c, UI_SESSION_COOKIE, { path: "/" });
    return c.redirect("/ui/login", 303);
  });
}
