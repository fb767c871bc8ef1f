// deno-lint-ignore-file no-console
/**
 * `deno task start`: flags and `WEIR_*` env → config → {@linkcode startBroker}
 * → prints `Weir listening on http://HOST:PORT`. SIGINT/SIGTERM shut down
 * cleanly (stop accepting, drain, fsync, exit 0).
 *
 * @module
 */
import { configureLogging } from "./logging.ts";
import { startBroker } from "./broker.ts";
import { startClusterBroker } from "./cluster/mod.ts";
import { optionsFromArgs, resolveConfig, USAGE } from "./config.ts";
import { WeirError } from "../client/protocol/mod.ts";
import { insecureBindWarning } from "./auth/mod.ts";

async function main(): Promise<number> {
  let options;
  try {
    options = optionsFromArgs(Deno.args, Deno.env.toObject());
    if (options === "help") {
      console.log(USAGE);
      return 0;
    }
    const config = resolveConfig(options);
    await configureLogging({ level: config.logLevel, format: config.logFormat });
    const warning = insecureBindWarning(config);
    if (warning !== null) console.error(`\n*** ${warning} ***\n`);
  } catch (e) {
    console.error(e instanceof WeirError ? `${e.code}: ${e.message}` : String(e));
    console.error(USAGE);
    return 2;
  }
  let broker;
  try {
    broker = options.nats === undefined
      ? await startBroker(options)
      : await startClusterBroker(options);
  } catch (e) {
    if (!(e instanceof WeirError && e.code === "INVALID_CONFIG")) throw e;
    console.error(`${e.code}: ${e.message}`);
    return 2;
  }
  console.log(`Weir listening on ${broker.url}`);
  if (broker.kafkaAddress) {
    console.log(`Kafka listener on ${broker.kafkaAddress.host}:${broker.kafkaAddress.port}`);
  }
  const done = Promise.withResolvers<void>();
  const shutdown = () => done.resolve();
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
  await done.promise;
  console.log("Weir shutting down: draining requests and flushing logs");
  await broker.close();
  console.log("Weir stopped");
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}
