import { assertEquals } from "@std/assert";
import { accessRule } from "./auth_rules.ts";

function summary(method: string, path: string): string {
  const rule = accessRule(method, path);
  const checks = rule.checks.map((c) =>
    c.kind === "any"
      ? `any ${c.resourceKind} ${c.operation} -> ${c.code}`
      : `${c.resource} ${c.operations.join("|")} -> ${c.code}`
  );
  return [rule.auth, ...checks, rule.body ?? "", rule.filter ?? "", rule.ui ? "ui" : ""]
    .filter((s) => s !== "").join("; ");
}

Deno.test("`accessRule()` maps every route family to its right", () => {
  const T = "TOPIC_AUTHORIZATION_FAILED";
  const G = "GROUP_AUTHORIZATION_FAILED";
  const C = "CLUSTER_AUTHORIZATION_FAILED";
  const table: [string, string, string][] = [
    ["GET", "/healthz", "open"],
    ["GET", "/readyz", "open"],
    ["GET", "/", "open"],
    ["GET", "/ui/login", "open"],
    ["POST", "/ui/logout", "open"],
    ["GET", "/ui/assets/ui.css", "open"],
    ["GET", "/ui", `principal; cluster admin -> ${C}; ui`],
    ["POST", "/ui/topics/x/delete", `principal; cluster admin -> ${C}; ui`],
    ["GET", "/openapi.json", "principal"],
    ["GET", "/docs", "principal"],
    ["GET", "/metrics", `principal; cluster consume|admin -> ${C}`],
    ["GET", "/v1/cluster", `principal; cluster consume|admin -> ${C}`],
    ["GET", "/v1/topics", "principal; topics"],
    ["POST", "/v1/topics", `principal; any topic admin -> ${T}; createTopic`],
    ["GET", "/v1/topics/a%2Fb", `principal; topic:a/b produce|consume|admin -> ${T}`],
    ["DELETE", "/v1/topics/t", `principal; topic:t admin -> ${T}`],
    ["PATCH", "/v1/topics/t/configs", `principal; topic:t admin -> ${T}`],
    ["POST", "/v1/topics/t/records", `principal; topic:t produce -> ${T}`],
    ["POST", "/v1/topics/t/partitions/0/batches", `principal; topic:t produce -> ${T}`],
    ["GET", "/v1/topics/t/partitions/0/batches", `principal; topic:t consume -> ${T}`],
    ["GET", "/v1/topics/t/partitions/0/records", `principal; topic:t consume -> ${T}`],
    ["GET", "/v1/topics/t/partitions/0/offsets", `principal; topic:t consume -> ${T}`],
    ["GET", "/v1/topics/t/partitions/0/stream", `principal; topic:t consume -> ${T}`],
    ["POST", "/v1/producers", `principal; any topic produce -> ${T}`],
    ["GET", "/v1/groups", "principal; groups"],
    ["GET", "/v1/groups/g", `principal; group:g consume -> ${G}; offsets`],
    ["POST", "/v1/groups/g/members", `principal; group:g consume -> ${G}; joinGroup`],
    ["POST", "/v1/groups/g/members/m/heartbeat", `principal; group:g consume -> ${G}`],
    ["DELETE", "/v1/groups/g/members/m", `principal; group:g consume -> ${G}`],
    ["POST", "/v1/groups/g/offsets", `principal; group:g consume -> ${G}; commitOffsets`],
    ["GET", "/v1/groups/g/offsets", `principal; group:g consume -> ${G}; offsets`],
    ["GET", "/v1/whatever", "principal"],
    ["GET", "/healthz/x", "principal"],
  ];
  for (const [method, path, expected] of table) {
    assertEquals(summary(method, path), expected, `${method} ${path}`);
  }
});

Deno.test("`accessRule()` keeps a badly encoded name as written", () => {
  assertEquals(
    summary("GET", "/v1/topics/%E0%A4%A"),
    "principal; topic:%E0%A4%A produce|consume|admin -> TOPIC_AUTHORIZATION_FAILED",
  );
});
