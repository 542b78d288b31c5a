// Hive Gateway settings for the tests: subscriptions reach the (Strawberry) subgraphs over
// graphql-transport-ws, as our router does, instead of Hive's default HTTP streaming.
export const gatewayConfig = {
  transportEntries: {
    "*.http": { options: { subscriptions: { kind: "ws" } } },
  },
};
