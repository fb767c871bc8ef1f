import { assertEquals } from "@std/assert";
import { nextHighWatermark } from "./high_watermark.ts";

const base = { highWatermark: 4, leaderId: 1, leaderLogEndOffset: 10 };

Deno.test("`nextHighWatermark()` is the leader's log end when it is the only in-sync replica", () => {
  assertEquals(nextHighWatermark({ ...base, isr: [1], followerLogEndOffsets: new Map() }), 10);
});

Deno.test("`nextHighWatermark()` is the smallest log end over the ISR, ignoring others", () => {
  const followerLogEndOffsets = new Map([[2, 8], [3, 6], [4, 1]]);
  assertEquals(nextHighWatermark({ ...base, isr: [1, 2, 3], followerLogEndOffsets }), 6);
});

Deno.test("`nextHighWatermark()` never moves backwards", () => {
  const followerLogEndOffsets = new Map([[2, 2]]);
  assertEquals(nextHighWatermark({ ...base, isr: [1, 2], followerLogEndOffsets }), 4);
});

Deno.test("`nextHighWatermark()` holds while an in-sync follower's log end is unknown", () => {
  const followerLogEndOffsets = new Map([[2, 9], [3, -1]]);
  assertEquals(nextHighWatermark({ ...base, isr: [1, 2, 3], followerLogEndOffsets }), 4);
  assertEquals(nextHighWatermark({ ...base, isr: [1, 2, 5], followerLogEndOffsets }), 4);
});
