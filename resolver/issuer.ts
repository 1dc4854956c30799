import { getAddress, zeroPadValue, toBeHex } from "ethers";
import type { RecordToken } from "@medrec/sdk/chain/contracts";

/** Most blocks asked for in one `eth_getLogs`. */
const MAX_RANGE = 5_000;

/**
 * The issuer of version `version` of `tokenId`, from the record's own events: `RecordMinted` (version 1) or the
 * `DataUpdated` that set that version (RecordToken keeps no issuer in storage). The token's logs are read with a
 * topic filter (event and token id), newest pages first from `atBlock` back to `startBlock`, `MAX_RANGE` blocks a
 * page: the event of the current version is the newest one of the token, usually in the first page.
 * @returns The issuer, or `undefined` when no event of that version is found in the range.
 */
export async function issuerOfVersion(recordToken: RecordToken, tokenId: bigint, version: bigint, startBlock: number, atBlock: number): Promise<string | undefined> {
  const minted = recordToken.interface.getEvent("RecordMinted").topicHash;
  const updated = recordToken.interface.getEvent("DataUpdated").topicHash;
  const address = await recordToken.getAddress();
  const topics = [[minted, updated], zeroPadValue(toBeHex(tokenId), 32)];
  const provider = recordToken.runner!.provider!;
  for (let to = atBlock; to >= startBlock; to -= MAX_RANGE) {
    const from = Math.max(startBlock, to - MAX_RANGE + 1);
    const logs = await provider.getLogs({ address, topics, fromBlock: from, toBlock: to });
    for (let i = logs.length - 1; i >= 0; i--) {
      const parsed = recordToken.interface.parseLog({ topics: [...logs[i].topics], data: logs[i].data });
      if (!parsed) continue;
      const ofVersion = parsed.name === "RecordMinted" ? 1n : (parsed.args.version as bigint);
      // The newest event of the token sets its current version: an older version's event means none of this one.
      return ofVersion === version ? getAddress(parsed.args.issuer as string) : undefined;
    }
  }
  return undefined;
}
