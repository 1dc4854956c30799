// The Filecoin chain, mocked with the msw JSON-RPC mocks that @filoz/synapse-sdk ships (loaded by mocha too; no tests).
//
// `JSONRPC(presets.basic)` answers the Synapse SDK's contract reads at the calibration RPC URL (warm storage, provider
// registry, PDP verifier, Filecoin Pay). We change the preset so both registered providers point at the in-process
// stand-in (`FakeStorageProvider`) and advertise IPNI, give the wallet max allowances and a deposit, and answer the
// two reads the preset lacks and `checkUploadReadiness` needs (`eth_getBalance`, USDFC ERC-20 calls). msw refuses
// any request that is neither mocked nor to 127.0.0.1, so the tests cannot reach a network.
import type { RequestHandler } from "msw";
import type { SetupServerApi } from "msw/node";
import type { JSONRPCOptions } from "@filoz/synapse-sdk/dist/src/test/mocks/jsonrpc/types.js";
import { loadTestEsm } from "./test-esm";

/** The calibration RPC URL the SDK's mocks answer on. */
export const MOCK_RPC_URL = "https://api.calibration.node.glif.io/rpc/v1";

/** Knobs of the mocked chain that tests may turn. */
export interface MockChainState {
  /** FIL balance of the wallet, in attoFIL (0 blocks uploads: "Insufficient FIL for gas fees"). */
  filBalance: bigint;
  /** USDFC balance of the wallet (18 decimals). */
  usdfcBalance: bigint;
}

/** A running set of chain mocks. */
export interface SynapseMockNetwork {
  /** Private key of the mocks' client wallet (`PRIVATE_KEYS.key1`, address `ADDRESSES.client1`). */
  readonly privateKey: string;
  /** The RPC URL to configure. */
  readonly rpcUrl: string;
  /** Mutable chain state. */
  readonly state: MockChainState;
  /** JSON-RPC methods seen, in order (for assertions). */
  readonly calls: string[];
  /** Stops intercepting. */
  close(): void;
}

type Registry = Required<NonNullable<JSONRPCOptions["serviceRegistry"]>>;
type JsonRpcRequest = { id?: number | string; jsonrpc?: string; method: string; params?: unknown[] };

/**
 * Starts msw with the SDK's JSON-RPC mocks, pointing the provider registry at `providerUrl`.
 * @param providerUrl Base URL of the storage-provider stand-in (must be on 127.0.0.1).
 */
export async function startSynapseMocks(providerUrl: string): Promise<SynapseMockNetwork> {
  const [{ http, HttpResponse, getResponse }, { setupServer }, viem, mocks] = await Promise.all([
    loadTestEsm("msw"),
    loadTestEsm("msw/node"),
    loadTestEsm("viem"),
    loadTestEsm("synapse-sdk-mocks/jsonrpc"),
  ]);
  const { JSONRPC, PRIVATE_KEYS, ADDRESSES, presets } = mocks;
  const state: MockChainState = { filBalance: viem.parseEther("100"), usdfcBalance: viem.parseUnits("1000", 18) };
  const calls: string[] = [];

  // Both providers of the preset serve from the stand-in and advertise IPNI (filecoin-pin selects IPNI providers).
  const capabilityKeys = [
    "serviceURL",
    "minPieceSizeInBytes",
    "maxPieceSizeInBytes",
    "storagePricePerTibPerDay",
    "minProvingPeriodInEpochs",
    "location",
    "paymentTokenAddress",
    "ipniIpfs",
  ];
  const capabilityValues = [
    viem.stringToHex(providerUrl),
    viem.bytesToHex(viem.numberToBytes(127n)),
    viem.bytesToHex(viem.numberToBytes(200n * 1024n * 1024n)),
    viem.bytesToHex(viem.numberToBytes(1_000_000n)),
    viem.bytesToHex(viem.numberToBytes(2_880n)),
    viem.stringToHex("US"),
    ADDRESSES.calibration.usdfcToken,
    "0x01",
  ] as `0x${string}`[];
  const basic = presets.basic;
  const registry = basic.serviceRegistry as Registry;
  const preset: JSONRPCOptions = {
    ...basic,
    debug: false,
    serviceRegistry: {
      ...basic.serviceRegistry,
      getProviderWithProduct: (args: Parameters<Registry["getProviderWithProduct"]>[0]) => {
        const [result] = registry.getProviderWithProduct(args);
        if (!result.product.isActive) return [result];
        return [{ ...result, product: { ...result.product, capabilityKeys }, productCapabilityValues: capabilityValues }];
      },
      getProvidersByProductType: (args: Parameters<Registry["getProvidersByProductType"]>[0]) => {
        const [page] = registry.getProvidersByProductType(args);
        return [
          {
            ...page,
            providers: page.providers.map((provider) => ({
              ...provider,
              product: { ...provider.product, capabilityKeys },
              productCapabilityValues: capabilityValues,
            })),
          },
        ];
      },
    },
    payments: {
      ...basic.payments,
      // isApproved, rateAllowance, lockupAllowance, rateUsed, lockupUsed, maxLockupPeriod: all at max.
      operatorApprovals: () => [true, viem.maxUint256, viem.maxUint256, 0n, 0n, viem.maxUint256],
      // funds, lockupCurrent, lockupRate, lockupLastSettledAt: 1000 USDFC deposited.
      accounts: () => [viem.parseUnits("1000", 18), 0n, 0n, 0n],
    },
  };
  const sdkHandlers: RequestHandler[] = [JSONRPC(preset)];

  /** Answers what the preset does not know; `undefined` passes the request on to the SDK's mock. */
  const extra = (request: JsonRpcRequest): object | undefined => {
    const reply = (result: unknown) => ({ jsonrpc: "2.0", id: request.id ?? 1, result });
    if (request.method === "eth_getBalance") return reply(viem.numberToHex(state.filBalance));
    if (request.method === "eth_call") {
      const [call] = request.params as [{ to: `0x${string}`; data: `0x${string}` }];
      if (viem.isAddressEqual(call.to, ADDRESSES.calibration.usdfcToken)) {
        const { functionName } = viem.decodeFunctionData({ abi: viem.erc20Abi, data: call.data });
        const results: Record<string, unknown> = {
          balanceOf: state.usdfcBalance,
          allowance: viem.maxUint256,
          decimals: 18,
          symbol: "USDFC",
          name: "USD for Filecoin Community",
          totalSupply: viem.parseUnits("1000000", 18),
        };
        if (!(functionName in results)) throw new Error(`USDFC mock: ${functionName} not mocked`);
        return reply(viem.encodeFunctionResult({ abi: viem.erc20Abi, functionName, result: results[functionName] } as never));
      }
    }
    return undefined;
  };

  const rpc = http.post(MOCK_RPC_URL, async ({ request }) => {
    const body = (await request.json()) as JsonRpcRequest | JsonRpcRequest[];
    const batch = Array.isArray(body) ? body : [body];
    const replies: unknown[] = new Array(batch.length);
    const passOn: Array<{ index: number; request: JsonRpcRequest }> = [];
    batch.forEach((item, index) => {
      calls.push(item.method);
      const answer = extra(item);
      if (answer !== undefined) replies[index] = answer;
      else passOn.push({ index, request: item });
    });
    if (passOn.length > 0) {
      const forwarded = new Request(MOCK_RPC_URL, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(passOn.map((entry) => entry.request)),
      });
      const response = await getResponse(sdkHandlers, forwarded);
      if (response === undefined) throw new Error("the SDK's JSON-RPC mock did not answer");
      const answers = (await response.json()) as unknown[];
      passOn.forEach((entry, k) => {
        replies[entry.index] = answers[k];
      });
    }
    return HttpResponse.json((Array.isArray(body) ? replies : replies[0]) as never);
  });

  const server: SetupServerApi = setupServer(rpc);
  server.listen({
    onUnhandledRequest(request, print) {
      if (new URL(request.url).hostname === "127.0.0.1") return; // the stand-in: real HTTP on loopback
      print.error(); // anything else would leave the machine
    },
  });
  return {
    privateKey: PRIVATE_KEYS.key1,
    rpcUrl: MOCK_RPC_URL,
    state,
    calls,
    close: () => server.close(),
  };
}
