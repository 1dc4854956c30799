// An in-process stand-in for a Filecoin PDP storage provider (Curio's HTTP API as synapse-core 0.1.2 calls it),
// on node:http at 127.0.0.1. Loaded by mocha too; defines no tests.
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { loadTestEsm } from "./test-esm";

/** One piece the stand-in holds. */
interface StoredPiece {
  bytes: Uint8Array;
  pieceId?: number;
  dataSetId?: number;
}

/** Counters of what the stand-in was asked to do. */
export interface FakeProviderStats {
  uploads: number;
  downloads: number;
  deletions: number;
  rejectedUploads: number;
}

/**
 * Accepts piece uploads (recomputing each piece CID like a real provider), adds pieces to data sets, confirms the
 * "transactions" at once, serves pieces at `/piece/<pieceCid>`, deletes them. Data set 1 is created on demand
 * (the msw chain mocks know data set 1).
 */
export class FakeStorageProvider {
  readonly stats: FakeProviderStats = { uploads: 0, downloads: 0, deletions: 0, rejectedUploads: 0 };
  readonly #pieces = new Map<string, StoredPiece>();
  readonly #uploads = new Map<string, string>();
  readonly #transactions = new Map<string, { dataSetId: number; pieceIds: number[] }>();
  readonly #nextPieceId = new Map<number, number>();
  readonly #server: http.Server;

  private constructor(server: http.Server) {
    this.#server = server;
  }

  /** Starts the stand-in on an ephemeral port of 127.0.0.1. */
  static async start(): Promise<FakeStorageProvider> {
    let provider!: FakeStorageProvider;
    const server = http.createServer((req, res) => {
      provider.#handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" }).end(String(err));
      });
    });
    provider = new FakeStorageProvider(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return provider;
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Whether the stand-in holds `pieceCid`. */
  has(pieceCid: string): boolean {
    return this.#pieces.has(pieceCid);
  }

  /** Number of pieces held. */
  get pieceCount(): number {
    return this.#pieces.size;
  }

  /** Flips a byte in the middle of a held piece (a provider serving corrupted data). */
  tamper(pieceCid: string): void {
    const piece = this.#pieces.get(pieceCid);
    if (piece === undefined) throw new Error(`no piece ${pieceCid}`);
    piece.bytes = Uint8Array.from(piece.bytes);
    piece.bytes[piece.bytes.length >> 1] ^= 0xff;
  }

  /** Stores `bytes` as a piece directly (as if another client had uploaded it); returns its piece CID. */
  async seed(bytes: Uint8Array): Promise<string> {
    const { calculate } = await loadTestEsm("@filoz/synapse-sdk/piece");
    const pieceCid = calculate(bytes).toString();
    this.#pieces.set(pieceCid, { bytes: Uint8Array.from(bytes) });
    return pieceCid;
  }

  /** Replaces a held piece's bytes wholesale. */
  replace(pieceCid: string, bytes: Uint8Array): void {
    const piece = this.#pieces.get(pieceCid);
    if (piece === undefined) throw new Error(`no piece ${pieceCid}`);
    piece.bytes = bytes;
  }

  /** Stops the HTTP server. */
  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", this.url);
    const route = `${req.method} ${url.pathname}`;
    const json = (status: number, value: unknown): void =>
      void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    let match: RegExpMatchArray | null;

    if (route === "GET /pdp/ping") return void res.writeHead(200).end();

    if (route === "POST /pdp/piece") {
      const { pieceCid } = JSON.parse(body.toString("utf8")) as { pieceCid: string };
      if (this.#pieces.has(pieceCid)) return json(200, { pieceCid });
      const uuid = randomUUID();
      this.#uploads.set(uuid, pieceCid);
      return void res.writeHead(201, { Location: `/pdp/piece/upload/${uuid}` }).end();
    }
    if (req.method === "PUT" && (match = url.pathname.match(/^\/pdp\/piece\/upload\/([\w-]+)$/))) {
      const claimed = this.#uploads.get(match[1]);
      if (claimed === undefined) return void res.writeHead(404).end("unknown upload");
      this.#uploads.delete(match[1]);
      // Like Curio: recompute the piece CID of the bytes and refuse a mismatch.
      const { calculate } = await loadTestEsm("@filoz/synapse-sdk/piece");
      const actual = calculate(new Uint8Array(body)).toString();
      if (actual !== claimed) {
        this.stats.rejectedUploads += 1;
        return void res.writeHead(400).end(`piece CID mismatch: claimed ${claimed}, got ${actual}`);
      }
      this.#pieces.set(claimed, { bytes: new Uint8Array(body) });
      this.stats.uploads += 1;
      return void res.writeHead(204).end();
    }
    if (route === "GET /pdp/piece") {
      const pieceCid = url.searchParams.get("pieceCid") ?? "";
      return this.#pieces.has(pieceCid) ? json(200, { pieceCid }) : void res.writeHead(404).end();
    }
    if (route === "POST /pdp/data-sets/create-and-add") {
      const { pieces } = JSON.parse(body.toString("utf8")) as { pieces: Array<{ pieceCid: string }> };
      const tx = this.#addPieces(1, pieces);
      return void res.writeHead(201, { Location: `/pdp/data-sets/created/${tx}` }).end();
    }
    if (req.method === "GET" && (match = url.pathname.match(/^\/pdp\/data-sets\/created\/(0x[0-9a-f]+)$/))) {
      const tx = this.#transactions.get(match[1]);
      if (tx === undefined) return void res.writeHead(404).end();
      return json(200, {
        createMessageHash: match[1],
        dataSetCreated: true,
        service: "medrec-test",
        txStatus: "confirmed",
        ok: true,
        dataSetId: tx.dataSetId,
      });
    }
    if (req.method === "POST" && (match = url.pathname.match(/^\/pdp\/data-sets\/(\d+)\/pieces$/))) {
      const { pieces } = JSON.parse(body.toString("utf8")) as { pieces: Array<{ pieceCid: string }> };
      const dataSetId = Number(match[1]);
      const tx = this.#addPieces(dataSetId, pieces);
      return void res.writeHead(201, { Location: `/pdp/data-sets/${dataSetId}/pieces/added/${tx}` }).end();
    }
    if (req.method === "GET" && (match = url.pathname.match(/^\/pdp\/data-sets\/(\d+)\/pieces\/added\/(0x[0-9a-f]+)$/))) {
      const tx = this.#transactions.get(match[2]);
      if (tx === undefined) return void res.writeHead(404).end();
      return json(200, {
        txHash: match[2],
        txStatus: "confirmed",
        dataSetId: tx.dataSetId,
        pieceCount: tx.pieceIds.length,
        addMessageOk: true,
        piecesAdded: true,
        confirmedPieceIds: tx.pieceIds,
      });
    }
    if (req.method === "DELETE" && (match = url.pathname.match(/^\/pdp\/data-sets\/(\d+)\/pieces\/(\d+)$/))) {
      const dataSetId = Number(match[1]);
      const pieceId = Number(match[2]);
      for (const [pieceCid, piece] of this.#pieces) {
        if (piece.dataSetId === dataSetId && piece.pieceId === pieceId) {
          this.#pieces.delete(pieceCid);
          this.stats.deletions += 1;
          return json(200, { txHash: newTxHash() });
        }
      }
      return void res.writeHead(404).end("no such piece");
    }
    if (req.method === "GET" && (match = url.pathname.match(/^\/piece\/(\w+)$/))) {
      const piece = this.#pieces.get(match[1]);
      if (piece === undefined) return void res.writeHead(404).end();
      this.stats.downloads += 1;
      return void res
        .writeHead(200, { "content-type": "application/octet-stream", "content-length": piece.bytes.length })
        .end(piece.bytes);
    }
    res.writeHead(404, { "content-type": "text/plain" }).end(`fake provider: no route ${route}`);
  }

  /** Puts uploaded pieces into a data set with fresh piece ids; returns the "transaction" hash. */
  #addPieces(dataSetId: number, pieces: Array<{ pieceCid: string }>): string {
    const pieceIds: number[] = [];
    for (const { pieceCid } of pieces) {
      const piece = this.#pieces.get(pieceCid);
      if (piece === undefined) throw new Error(`piece ${pieceCid} was never uploaded`);
      const pieceId = this.#nextPieceId.get(dataSetId) ?? 0;
      this.#nextPieceId.set(dataSetId, pieceId + 1);
      piece.pieceId = pieceId;
      piece.dataSetId = dataSetId;
      pieceIds.push(pieceId);
    }
    const tx = newTxHash();
    this.#transactions.set(tx, { dataSetId, pieceIds });
    return tx;
  }
}

function newTxHash(): string {
  return `0x${randomBytes(32).toString("hex")}`;
}
