export * from "./transaction";
export * from "./transport";
export * from "./paymaster";
export * from "./account";
export * from "./errors";
