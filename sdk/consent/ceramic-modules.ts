/**
 * The Ceramic libraries (js-ceramic's HTTP client and stream types, dids, did-session, the did:key and did:pkh
 * providers), loaded on first use: together they take about a second to load, which every program importing the
 * SDK (a command-line tool printing its help) would otherwise pay.
 *
 * @module
 */
import type * as HttpClient from "@ceramicnetwork/http-client";
import type * as StreamModel from "@ceramicnetwork/stream-model";
import type * as StreamModelInstance from "@ceramicnetwork/stream-model-instance";
import type * as Dids from "dids";
import type * as DidSession from "did-session";
import type * as KeyDidProvider from "key-did-provider-ed25519";
import type * as KeyDidResolver from "key-did-resolver";
import type * as PkhEthereum from "@didtools/pkh-ethereum";

/** The values of the Ceramic libraries the consent store uses. */
export interface CeramicModules {
  CeramicClient: typeof HttpClient.CeramicClient;
  Model: typeof StreamModel.Model;
  ModelInstanceDocument: typeof StreamModelInstance.ModelInstanceDocument;
  DID: typeof Dids.DID;
  DIDSession: typeof DidSession.DIDSession;
  Ed25519Provider: typeof KeyDidProvider.Ed25519Provider;
  getKeyResolver: typeof KeyDidResolver.getResolver;
  EthereumNodeAuth: typeof PkhEthereum.EthereumNodeAuth;
  getAccountId: typeof PkhEthereum.getAccountId;
}

let loading: Promise<CeramicModules> | undefined;

/** The Ceramic libraries, loaded once (a failed load is tried again next time). */
export function ceramicModules(): Promise<CeramicModules> {
  loading ??= (async () => {
    const [http, model, instance, dids, session, keyProvider, keyResolver, pkh] = await Promise.all([
      import("@ceramicnetwork/http-client"),
      import("@ceramicnetwork/stream-model"),
      import("@ceramicnetwork/stream-model-instance"),
      import("dids"),
      import("did-session"),
      import("key-did-provider-ed25519"),
      import("key-did-resolver"),
      import("@didtools/pkh-ethereum"),
    ]);
    return {
      CeramicClient: http.CeramicClient,
      Model: model.Model,
      ModelInstanceDocument: instance.ModelInstanceDocument,
      DID: dids.DID,
      DIDSession: session.DIDSession,
      Ed25519Provider: keyProvider.Ed25519Provider,
      getKeyResolver: keyResolver.getResolver,
      EthereumNodeAuth: pkh.EthereumNodeAuth,
      getAccountId: pkh.getAccountId,
    };
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
