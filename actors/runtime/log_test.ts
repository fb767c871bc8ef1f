import { assertEquals } from "@std/assert";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { emitForwarded, type ForwardedLog, getLogger } from "./log.ts";

Deno.test("`getLogger()` in a Worker forwards info and above, rendered and cloneable", async () => {
  const url = new URL("./log.ts", import.meta.url).href;
  const source = `import { forwardWorkerLogs, getLogger } from ${JSON.stringify(url)};
    const log = getLogger(["weir", "t"]);
    log.info("dropped: no sink yet");
    const out = [];
    forwardWorkerLogs((r) => out.push(r));
    log.debug("below info {x}", { x: 1 });
    log.info("hello {name}, {missing}", { name: "Ada" });
    log.warn("n={n} big={big}", { n: { a: 1 }, big: 2n });
    log.error("failed: {error}", { error: new RangeError("too big"), fn: () => 1 });
    self.postMessage(out);`;
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(source)}`, {
    type: "module",
  });
  try {
    const records = await new Promise<ForwardedLog[]>((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message));
      };
    });
    assertEquals(records.map((r) => [r.level, r.message]), [
      ["info", "hello Ada, {missing}"],
      ["warning", 'n={"a":1} big=2'],
      ["error", "failed: RangeError: too big"],
    ]);
    assertEquals(records[2]!.properties.error, "RangeError: too big");
    assertEquals(typeof records[2]!.properties.fn, "string", "a function crosses as text");
    assertEquals(records.every((r) => r.category.join("/") === "weir/t"), true);
    assertEquals(records.every((r) => typeof r.timestamp === "number"), true);
  } finally {
    worker.terminate();
  }
});

Deno.test("`getLogger()` and `emitForwarded()` on the main thread go to logtape", async () => {
  const records: LogRecord[] = [];
  await configure({
    sinks: { capture: (r: LogRecord) => records.push(r) },
    loggers: [
      { category: ["weir", "log-test"], lowestLevel: "debug", sinks: ["capture"] },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: [] },
    ],
    reset: true,
  });
  try {
    getLogger(["weir", "log-test"]).debug("direct {x}", { x: 1 });
    emitForwarded({
      category: ["weir", "log-test"],
      level: "warning",
      message: "from a Worker",
      properties: { a: 1 },
      timestamp: 5,
    }, { actor: "partition/t-0" });
    assertEquals(records.map((r) => [r.level, r.message.join("")]), [
      ["debug", "direct 1"],
      ["warning", "from a Worker"],
    ]);
    assertEquals(records[1]!.properties, { a: 1, actor: "partition/t-0" });
    assertEquals(records[1]!.timestamp, 5);
  } finally {
    await reset();
  }
});
