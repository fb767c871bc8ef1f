/**
 * End-to-end: the web UI in a real browser (Debian's chromium driven by
 * playwright-core) against a real broker started in-process. Creates a topic
 * and produces a record through the forms, finds it in the record browser,
 * follows the live tail, watches a consumer group's lag change, deletes a
 * topic, fails on any console error, and leaves a screenshot of every page
 * (1280 px, and the record browser at 390 px) in `artifacts/ui/`.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { chromium, type Page } from "playwright-core";
import { startBroker } from "weir/broker";
import { tempDir } from "../_helpers/temp_dir.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../../artifacts/ui/", import.meta.url);
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function assertChromium(): Promise<void> {
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    throw new Error(
      `Cannot run the UI browser test: ${CHROMIUM} is missing (install it with "apt-get install -y chromium"; .ci/run does)`,
    );
  }
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: new URL(name, ARTIFACTS).pathname, fullPage: true });
}

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert(res.ok, `POST ${url} answered ${res.status}: ${text}`);
}

Deno.test("web UI: create, produce, browse, tail, group lag and delete in chromium", async (t) => {
  await assertChromium();
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await using dir = await tempDir();
  await using profile = await tempDir("weir-chromium-");
  await using broker = await startBroker({ dataDir: dir.path, port: 0 });
  const base = broker.url;
  const context = await chromium.launchPersistentContext(profile.path, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 20_000,
  });
  const consoleErrors: string[] = [];
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on("console", (msg) => {
      if (msg.type() === "error") consoleErrors.push(`${page.url()}: ${msg.text()}`);
    });
    page.on("pageerror", (err) => consoleErrors.push(`${page.url()}: ${err.message}`));
    page.on("dialog", (dialog) => void dialog.accept());

    await t.step("GET / redirects to the overview", async () => {
      await page.goto(`${base}/`);
      assertEquals(new URL(page.url()).pathname, "/ui");
      await page.getByRole("heading", { name: "Overview" }).waitFor();
    });

    await t.step("create a topic with the form", async () => {
      await page.getByRole("link", { name: "Topics", exact: true }).click();
      await page.getByLabel("Name").fill("ui-orders");
      await page.getByLabel("Partitions").fill("2");
      await page.getByRole("button", { name: "Create topic" }).click();
      await page.getByRole("heading", { name: "ui-orders" }).waitFor();
      await page.getByText("Topic created.").waitFor();
      await shot(page, "topic.png");
    });

    await t.step("produce a record with the form and see it in the record browser", async () => {
      await page.getByLabel("Partition").selectOption("0");
      await page.getByLabel("Key (empty = no key)").fill("order-1");
      await page.getByLabel("Value", { exact: true }).fill('{"id":"order-1","note":"<b>hi</b>"}');
      await page.getByLabel("Headers").fill("trace: abc-123");
      await page.getByRole("button", { name: "Produce" }).click();
      await page.getByText("Record produced to partition 0 at offset 0.").waitFor();
      const row = page.locator('tbody[data-records] tr[data-offset="0"]');
      await row.waitFor();
      const text = await row.innerText();
      assertStringIncludes(text, "order-1");
      assertStringIncludes(text, '"note": "<b>hi</b>"'); // pretty JSON, shown as text
      assertStringIncludes(text, "abc-123");
      await page.goto(`${base}/ui/topics/ui-orders/records?partition=0&from=earliest`);
      await shot(page, "records.png");
    });

    await t.step("the live tail shows a record produced elsewhere", async () => {
      await page.getByRole("button", { name: "Live tail" }).click();
      await page.locator("[data-tail-status]", { hasText: "live" }).waitFor();
      await post(`${base}/v1/topics/ui-orders/records`, {
        records: [{ key: "order-2", value: { id: "order-2" }, partition: 0 }],
      });
      const row = page.locator('tbody[data-records] tr[data-offset="1"]');
      await row.waitFor();
      assertStringIncludes(await row.innerText(), "order-2");
      await page.getByRole("button", { name: "Stop" }).click();
      await page.locator("[data-tail-status]", { hasText: "stopped" }).waitFor();
    });

    await t.step("a consumer group's lag changes after a commit", async () => {
      await post(`${base}/v1/groups/ui-group/offsets`, {
        offsets: [{ topic: "ui-orders", partition: 0, offset: 0 }],
      });
      await page.goto(`${base}/ui/groups/ui-group`);
      const total = page.locator("[data-total-lag]");
      assertEquals((await total.innerText()).trim(), "2");
      await page.getByText("No members: nobody consumes right now").waitFor();
      await post(`${base}/v1/groups/ui-group/offsets`, {
        offsets: [{ topic: "ui-orders", partition: 0, offset: 2 }],
      });
      await page.locator("[data-total-lag]", { hasText: /^0$/ }).waitFor({ timeout: 10_000 });
      await page.locator("tbody[data-offsets] td[data-lag]", { hasText: /^0$/ }).waitFor();
      await shot(page, "group.png");
      await page.goto(`${base}/ui/groups`);
      await page.getByRole("link", { name: "ui-group" }).waitFor();
      await shot(page, "groups.png");
    });

    await t.step(
      "the overview measures throughput and the cluster page lists the node",
      async () => {
        await page.goto(`${base}/ui`);
        await page.locator("[data-rate]", { hasText: "records/s" }).waitFor({ timeout: 10_000 });
        await post(`${base}/v1/topics/ui-orders/records`, {
          records: Array.from({ length: 50 }, (_, i) => ({ value: i, partition: 1 })),
        });
        await page.locator("[data-rate]", { hasText: /^[1-9][\d,]* records\/s$/ })
          .waitFor({ timeout: 10_000 });
        await shot(page, "overview.png");
        await page.goto(`${base}/ui/cluster`);
        await page.getByRole("cell", { name: "controller" }).waitFor();
        await shot(page, "cluster.png");
        await page.emulateMedia({ colorScheme: "dark" });
        await page.goto(`${base}/ui/topics/ui-orders`);
        await shot(page, "topic_dark.png");
        await page.emulateMedia({ colorScheme: "light" });
      },
    );

    await t.step("delete a topic from the topics list", async () => {
      await post(`${base}/v1/topics`, { name: "ui-doomed" });
      await page.goto(`${base}/ui/topics`);
      await shot(page, "topics.png");
      await page.getByRole("button", { name: "Delete topic ui-doomed" }).click();
      await page.getByText("Topic deleted.").waitFor();
      assertEquals(await page.getByRole("link", { name: "ui-doomed" }).count(), 0);
    });

    await t.step("pages fit a 390 px wide screen", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      for (
        const path of ["/ui", "/ui/topics/ui-orders", "/ui/topics/ui-orders/records?from=earliest"]
      ) {
        await page.goto(`${base}${path}`);
        const overflow = Number(
          await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth",
          ),
        );
        assert(overflow <= 0, `${path} scrolls sideways by ${overflow}px at 390 px`);
      }
      await shot(page, "records_390.png");
    });
  } finally {
    await context.close();
  }
  assertEquals(consoleErrors, [], "the browser console had errors");
});
