/**
 * Every broker setting in one zod schema, with defaults, and the parser that
 * reads them from command-line flags and `WEIR_*` environment variables
 * (flags win over env, env over defaults).
 *
 * @module
 */
import { z } from "zod";
import { parseArgs } from "node:util";
import { WeirError } from "../client/protocol/mod.ts";

/** The broker's settings. */
export const BrokerConfigSchema = z.object({
  /** Where partition logs and metadata live. */
  dataDir: z.string().min(1).default("./data"),
  /** Interface the HTTP edge binds. */
  host: z.string().min(1).default("127.0.0.1"),
  /** HTTP port; 0 = any free port. */
  port: z.coerce.number().int().min(0).max(65535).default(9021),
  /** This node's id. */
  nodeId: z.coerce.number().int().min(0).default(1),
  /** Largest HTTP request body (bytes); larger ones get 413 while streaming. */
  maxRequestBytes: z.coerce.number().int().min(1024).default(8 * 1024 * 1024),
  /** Longest time to receive one request body (ms); a slower body gets 408 REQUEST_BODY_TIMED_OUT. */
  requestTimeoutMs: z.coerce.number().int().min(1).default(30_000),
  /** Create unknown topics on produce (never on a read). */
  autoCreateTopics: z.coerce.boolean().default(false),
  /** Partitions of an auto-created topic. */
  defaultPartitions: z.coerce.number().int().min(1).default(1),
  /** Most partitions per topic. */
  maxPartitionsPerTopic: z.coerce.number().int().min(1).default(1000),
  /** Most topics. */
  maxTopics: z.coerce.number().int().min(1).default(10_000),
  /** How partition actors are hosted: one Worker each (default) or inline on the main thread. */
  actorHost: z.enum(["worker", "inline"]).default("worker"),
  /** How often partitions check retention and compaction (ms). */
  retentionCheckIntervalMs: z.coerce.number().int().min(10).default(30_000),
  /** Partitions of the internal `__consumer_offsets` topic (fixed once the topic exists). */
  offsetsTopicPartitions: z.coerce.number().int().min(1).max(1000).default(4),
  /** A group coordinator with no members for this long is passivated (its actor stopped), ms. */
  groupIdleMs: z.coerce.number().int().min(10).default(300_000),
  /** Most members of one consumer group (`group.max.size`). */
  groupMaxSize: z.coerce.number().int().min(1).default(1000),
  /** NATS server URL: set = cluster mode (docs/cluster.md). */
  nats: z.string().optional(),
  /** Cluster mode: cluster id (subjects `weir.<id>.…`, KV buckets `weir_<id>_…`). */
  clusterId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default("weir"),
  /** Cluster mode: membership / controller-lease renewal period, ms (keys live 3× this). */
  clusterHeartbeatMs: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Cluster mode: `replica.lag.time.max.ms`, a follower this far behind leaves the ISR. */
  replicaLagTimeMaxMs: z.coerce.number().int().min(10).default(10_000),
  /** Kafka wire-protocol port (later). */
  kafkaPort: z.coerce.number().int().min(0).max(65535).optional(),
  /** Log level. */
  logLevel: z.enum(["debug", "info", "warning", "error"]).default("info"),
  /** Log lines: `text`, `json` (JSON Lines) or `auto` (text on a terminal, else JSON). */
  logFormat: z.enum(["text", "json", "auto"]).default("auto"),
  /** Auth file (principals, key hashes, grants; docs/security.md); unset = no authentication. */
  authFile: z.string().min(1).optional(),
  /** PEM certificate chain for HTTPS (with `tlsKey`). */
  tlsCert: z.string().min(1).optional(),
  /** PEM private key for HTTPS (with `tlsCert`). */
  tlsKey: z.string().min(1).optional(),
  /** Produce quota: request-body bytes per second per principal (or client IP); unset = none. */
  quotaProduceBytes: z.coerce.number().positive().optional(),
  /** Fetch quota: answer bytes per second per principal (or client IP); unset = none. */
  quotaFetchBytes: z.coerce.number().positive().optional(),
  /** Request quota: requests per second per principal (or client IP); unset = none. */
  quotaRequests: z.coerce.number().positive().optional(),
  /** Cluster mode: NATS user name (with `natsPass`). */
  natsUser: z.string().min(1).optional(),
  /** Cluster mode: NATS password. */
  natsPass: z.string().min(1).optional(),
  /** Cluster mode: NATS token (instead of user/password). */
  natsToken: z.string().min(1).optional(),
  /** Cluster mode: PEM CA file to verify the NATS server's TLS certificate (turns TLS on). */
  natsCa: z.string().min(1).optional(),
});

/** The broker's settings, defaults applied. */
export type BrokerConfig = z.infer<typeof BrokerConfigSchema>;
/** Settings as callers give them: every field optional. */
export type BrokerOptions = z.input<typeof BrokerConfigSchema>;

/**
 * Validates options and fills defaults.
 *
 * @throws {WeirError} `INVALID_CONFIG` naming the bad setting.
 */
export function resolveConfig(options: BrokerOptions = {}): BrokerConfig {
  const parsed = BrokerConfigSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new WeirError(
      "INVALID_CONFIG",
      `Cannot start the broker: setting "${issue.path.join(".")}" is invalid (${issue.message})`,
    );
  }
  return parsed.data;
}

const FLAGS: Record<string, keyof BrokerOptions> = {
  "data-dir": "dataDir",
  "host": "host",
  "port": "port",
  "node-id": "nodeId",
  "max-request-bytes": "maxRequestBytes",
  "request-timeout-ms": "requestTimeoutMs",
  "auto-create-topics": "autoCreateTopics",
  "default-partitions": "defaultPartitions",
  "max-partitions-per-topic": "maxPartitionsPerTopic",
  "max-topics": "maxTopics",
  "actor-host": "actorHost",
  "retention-check-interval-ms": "retentionCheckIntervalMs",
  "offsets-topic-partitions": "offsetsTopicPartitions",
  "group-idle-ms": "groupIdleMs",
  "group-max-size": "groupMaxSize",
  "nats": "nats",
  "cluster-id": "clusterId",
  "cluster-heartbeat-ms": "clusterHeartbeatMs",
  "replica-lag-time-max-ms": "replicaLagTimeMaxMs",
  "kafka-port": "kafkaPort",
  "log-level": "logLevel",
  "log-format": "logFormat",
  "auth-file": "authFile",
  "tls-cert": "tlsCert",
  "tls-key": "tlsKey",
  "quota-produce-bytes": "quotaProduceBytes",
  "quota-fetch-bytes": "quotaFetchBytes",
  "quota-requests": "quotaRequests",
  "nats-user": "natsUser",
  "nats-pass": "natsPass",
  "nats-token": "natsToken",
  "nats-ca": "natsCa",
};

/** Help text for `deno task start --help`. */
export const USAGE = `Usage: deno task start [options]

Options (or env WEIR_<NAME>, e.g. WEIR_DATA_DIR):
  --data-dir <dir>                  data directory (default ./data)
  --host <host>                     HTTP interface (default 127.0.0.1)
  --port <port>                     HTTP port, 0 = any free port (default 9021)
  --node-id <n>                     this node's id (default 1)
  --max-request-bytes <n>           largest request body (default 8 MiB)
  --request-timeout-ms <n>          deadline to receive one request body (default 30000)
  --auto-create-topics              create unknown topics on produce
  --kafka-port <port>               Kafka wire-protocol port, 0 = any (default off)
  --actor-host worker|inline        one Worker per partition (default) or inline
  --log-level debug|info|warning|error
  --log-format text|json|auto       log lines (default auto: text on a terminal, else JSON)
  --auth-file <path>                principals and API-key hashes (docs/security.md); off if unset
  --tls-cert <pem> --tls-key <pem>  serve HTTPS
  --quota-produce-bytes <n>         produce bytes/s per principal (or client IP)
  --quota-fetch-bytes <n>           fetch bytes/s per principal (or client IP)
  --quota-requests <n>              requests/s per principal (or client IP)
  --nats <url>                      cluster mode through this nats-server (-js); docs/cluster.md
  --cluster-id <id>                 cluster id (default weir)
  --cluster-heartbeat-ms <n>        membership/lease renewal (default 1000; expiry 3x)
  --nats-user <u> --nats-pass <p>   NATS credentials (cluster mode; prefer env WEIR_NATS_PASS)
  --nats-token <t>                  NATS token (cluster mode; prefer env WEIR_NATS_TOKEN)
  --nats-ca <pem>                   CA to verify NATS over TLS (cluster mode)
  --help                            this text`;

/**
 * Reads settings from argv flags and `WEIR_*` env vars.
 *
 * @returns the options, or `"help"` when `--help` was given.
 * @throws {WeirError} `INVALID_CONFIG` for unknown flags.
 */
export function optionsFromArgs(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): BrokerOptions | "help" {
  const options: Record<string, string | boolean> = {};
  for (const [flag, key] of Object.entries(FLAGS)) {
    const name = `WEIR_${flag.toUpperCase().replaceAll("-", "_")}`;
    if (env[name] !== undefined) options[key] = env[name];
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...args],
      options: {
        ...Object.fromEntries(
          Object.keys(FLAGS).map((flag) => [
            flag,
            { type: flag === "auto-create-topics" ? "boolean" as const : "string" as const },
          ]),
        ),
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new WeirError("INVALID_CONFIG", `Cannot parse the command line: ${(e as Error).message}`);
  }
  if (values.help) return "help";
  for (const [flag, key] of Object.entries(FLAGS)) {
    const v = values[flag];
    if (v !== undefined) options[key] = v;
  }
  if (typeof options.autoCreateTopics === "string") {
    options.autoCreateTopics = options.autoCreateTopics === "true" ||
      options.autoCreateTopics === "1";
  }
  return options as BrokerOptions;
}
