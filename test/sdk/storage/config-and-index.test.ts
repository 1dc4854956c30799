import { expect } from "chai";
import fs from "node:fs/promises";
import path from "node:path";
import {
  FILECOIN_PIN_ENV,
  PIECE_INDEX_FILE,
  PieceIndex,
  StorageConfigError,
  filecoinPinConfigFromEnv,
  validateFilecoinPinConfig,
} from "../../../sdk/storage";
import { expectRejects, makeTempDir } from "./support/helpers";

const KEY = `0x${"ab".repeat(32)}`;
const ENV = {
  [FILECOIN_PIN_ENV.privateKey]: KEY,
  [FILECOIN_PIN_ENV.rpcUrl]: "https://api.calibration.node.glif.io/rpc/v1",
  [FILECOIN_PIN_ENV.indexDirectory]: "/var/lib/medrec/filecoin",
};

function expectConfigError(fn: () => unknown, mention: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(StorageConfigError);
    expect((err as StorageConfigError).code).to.equal("STORAGE_CONFIG_INVALID");
    expect((err as Error).message).to.contain(mention);
    expect((err as Error).message).to.not.contain("abab"); // never the key
    return;
  }
  expect.fail("expected StorageConfigError");
}

describe("sdk/storage Filecoin configuration from the environment", () => {
  it("reads the required and optional FILECOIN_PIN_* variables", () => {
    const config = filecoinPinConfigFromEnv({
      ...ENV,
      [FILECOIN_PIN_ENV.privateKey]: "AB".repeat(32),
      [FILECOIN_PIN_ENV.providerId]: "4",
      [FILECOIN_PIN_ENV.dataSetId]: "17",
      [FILECOIN_PIN_ENV.withCDN]: "true",
      [FILECOIN_PIN_ENV.autoConfigureAllowances]: "1",
    });
    expect(config).to.deep.equal({
      privateKey: KEY,
      rpcUrl: ENV[FILECOIN_PIN_ENV.rpcUrl],
      indexDirectory: ENV[FILECOIN_PIN_ENV.indexDirectory],
      providerId: 4,
      dataSetId: 17,
      withCDN: true,
      autoConfigureAllowances: true,
    });
    expect(filecoinPinConfigFromEnv(ENV)).to.include({ withCDN: false, autoConfigureAllowances: false });
  });

  it("names the missing or malformed variable and never echoes the key", () => {
    for (const name of [FILECOIN_PIN_ENV.privateKey, FILECOIN_PIN_ENV.rpcUrl, FILECOIN_PIN_ENV.indexDirectory]) {
      expectConfigError(() => filecoinPinConfigFromEnv({ ...ENV, [name]: undefined }), `${name} is not set`);
    }
    expectConfigError(() => filecoinPinConfigFromEnv({ ...ENV, [FILECOIN_PIN_ENV.privateKey]: `${KEY}ab` }), "32 bytes");
    expectConfigError(() => filecoinPinConfigFromEnv({ ...ENV, [FILECOIN_PIN_ENV.rpcUrl]: "ftp://x" }), "http(s) or ws(s)");
    expectConfigError(() => filecoinPinConfigFromEnv({ ...ENV, [FILECOIN_PIN_ENV.rpcUrl]: "nope" }), "not a URL");
    expectConfigError(() => filecoinPinConfigFromEnv({ ...ENV, [FILECOIN_PIN_ENV.providerId]: "-1" }), "PROVIDER_ID");
    expectConfigError(() => filecoinPinConfigFromEnv({ ...ENV, [FILECOIN_PIN_ENV.withCDN]: "yes" }), "true or false");
    expectConfigError(
      () => validateFilecoinPinConfig({ privateKey: KEY, rpcUrl: "wss://x.example", indexDirectory: "i", dataSetId: 1.5 }),
      "dataSetId",
    );
  });
});

describe("sdk/storage PieceIndex", () => {
  it("persists entries atomically and reloads them", async () => {
    const temp = await makeTempDir("piece-index");
    try {
      const index = await PieceIndex.open(path.join(temp.dir, "nested"));
      const entry = {
        pieceCid: "bafkzcibexample",
        pieceId: 3,
        dataSetId: "1",
        size: 10,
        contentHash: `0x${"00".repeat(32)}` as const,
        carSize: 130,
      };
      await Promise.all([index.set("bafkreia", entry), index.set("bafkreib", { ...entry, pieceId: 4 })]);
      const again = await PieceIndex.open(path.join(temp.dir, "nested"));
      expect(again.size).to.equal(2);
      expect(again.get("bafkreib")).to.deep.equal({ ...entry, pieceId: 4 });
      expect(await again.delete("bafkreia")).to.equal(true);
      expect(await again.delete("bafkreia")).to.equal(false);
      expect((await PieceIndex.open(path.join(temp.dir, "nested"))).get("bafkreia")).to.equal(undefined);
      const leftovers = (await fs.readdir(path.join(temp.dir, "nested"))).filter((f) => f !== PIECE_INDEX_FILE);
      expect(leftovers).to.deep.equal([]);
    } finally {
      await temp.remove();
    }
  });

  it("refuses a file that is not an index", async () => {
    const temp = await makeTempDir("piece-index-bad");
    try {
      await fs.writeFile(path.join(temp.dir, PIECE_INDEX_FILE), "{not json");
      await expectRejects(PieceIndex.open(temp.dir), StorageConfigError, "STORAGE_CONFIG_INVALID");
      await fs.writeFile(path.join(temp.dir, PIECE_INDEX_FILE), JSON.stringify({ version: 9, entries: {} }));
      await expectRejects(PieceIndex.open(temp.dir), StorageConfigError, "STORAGE_CONFIG_INVALID");
    } finally {
      await temp.remove();
    }
  });
});
