/**
 * The page shell every UI page shares: head, skip link, top navigation,
 * a message line and the one stylesheet and script.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/** What a rendered JSX element is: HTML text, maybe still resolving. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Which top-level section a page belongs to (marks the nav link). */
export type Section = "overview" | "topics" | "groups" | "cluster";

/** A message shown above the page content. */
export interface Notice {
  /** `ok` after a successful action, `error` when it failed. */
  kind: "ok" | "error";
  /** The text (escaped like all text). */
  text: string;
}

/** Props of {@linkcode Layout}. */
export interface LayoutProps {
  /** Page title (without the "Weir" suffix). */
  title: string;
  /** Marked in the navigation. */
  section: Section;
  /** Optional message above the content. */
  notice?: Notice | undefined;
  /** The page's content. */
  children?: Child;
}

const NAV: readonly { section: Section; href: string; label: string }[] = [
  { section: "overview", href: "/ui", label: "Overview" },
  { section: "topics", href: "/ui/topics", label: "Topics" },
  { section: "groups", href: "/ui/groups", label: "Consumer groups" },
  { section: "cluster", href: "/ui/cluster", label: "Cluster" },
];

/** The HTML document around a page. */
export function Layout(props: LayoutProps): Html {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <title>{`${props.title} · Weir`}</title>
          <link rel="icon" href="data:," />
          <link rel="stylesheet" href="/ui/assets/ui.css" />
          <script src="/ui/assets/ui.js" defer></script>
        </head>
        <body>
          <a class="skip" href="#main">Skip to content</a>
          <header class="top">
            <a class="brand" href="/ui">Weir</a>
            <nav aria-label="Main">
              <ul>
                {NAV.map((item) => (
                  <li>
                    <a
                      href={item.href}
                      aria-current={item.section === props.section ? "page" : undefined}
                    >
                      {item.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          </header>
          <main id="main" tabindex={-1}>
            {props.notice === undefined ? null : (
              <p
                class={`msg ${props.notice.kind}`}
                role={props.notice.kind === "error" ? "alert" : "status"}
              >
                {props.notice.text}
              </p>
            )}
            {props.children}
          </main>
          <footer>
            Weir · <a href="/docs">API docs</a> · <a href="/metrics">metrics</a>
          </footer>
        </body>
      </html>
    </>
  );
}
