import { assertEquals } from "@std/assert";
import {
  LEADER_EPOCH_CHECKPOINT_FILE,
  readLeaderEpochCheckpoint,
  writeLeaderEpochCheckpoint,
} from "./leader_epoch_checkpoint.ts";

Deno.test("`writeLeaderEpochCheckpoint()` writes Kafka's text format and leaves no temp file", () => {
  const dir = Deno.makeTempDirSync({ prefix: "weir-epochs-" });
  try {
    writeLeaderEpochCheckpoint(dir, [{ epoch: 0, startOffset: 0 }, { epoch: 4, startOffset: 17 }]);
    assertEquals(
      Deno.readTextFileSync(`${dir}/${LEADER_EPOCH_CHECKPOINT_FILE}`),
      "0\n2\n0 0\n4 17\n",
    );
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [LEADER_EPOCH_CHECKPOINT_FILE]);
    writeLeaderEpochCheckpoint(dir, []);
    assertEquals(readLeaderEpochCheckpoint(dir), []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("`readLeaderEpochCheckpoint()` treats a missing or malformed file as missing", () => {
  const dir = Deno.makeTempDirSync({ prefix: "weir-epochs-" });
  const path = `${dir}/${LEADER_EPOCH_CHECKPOINT_FILE}`;
  try {
    assertEquals(readLeaderEpochCheckpoint(dir), null);
    for (
      const bad of [
        "1\n1\n0 0\n", // unknown version
        "0\n2\n0 0\n", // fewer entries than counted
        "0\n1\n0 0", // torn: no final newline
        "0\n2\n3 0\n2 5\n", // epochs not ascending
        "0\n2\n1 9\n2 5\n", // offsets going back
        "0\n1\n-1 0\n", // negative epoch
      ]
    ) {
      Deno.writeTextFileSync(path, bad);
      assertEquals(readLeaderEpochCheckpoint(dir), null, JSON.stringify(bad));
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
