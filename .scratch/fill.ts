import { openResolverDatabase } from "../resolver/database";
import { writeSync, openSync, closeSync, unlinkSync } from "node:fs";
(async () => {
  const db = await openResolverDatabase("/tmp/tfs/r.sqlite");
  for (let i = 0; i < 20; i++) await db.insertWrap(BigInt(i), 1n, new Uint8Array(200).fill(i));
  const fd = openSync("/tmp/tfs/filler", "w");
  const chunk = Buffer.alloc(4096);
  let n = 0;
  try { for (;;) { writeSync(fd, chunk); n++; } } catch (e) { console.log("filled", n, (e as any).code); }
  closeSync(fd);
  let ok = 0;
  for (let i = 0; i < 2000; i++) {
    try { await db.claimNonce("0x" + "1".repeat(40), BigInt(i), 10n ** 10n); ok++; } catch (e) { console.log("write failed after", ok, (e as any).code); break; }
  }
  try { await db.probeWritable(); console.log("probe ok"); } catch (e) { console.log("probe", (e as any).code); }
  unlinkSync("/tmp/tfs/filler");
  try { await db.probeWritable(); await db.claimNonce("0x" + "2".repeat(40), 1n, 10n ** 10n); console.log("after free ok"); } catch (e) { console.log("after free", (e as any).code); }
  await db.close();
})();
